// Registry-level credentials (registries.conf `credentials`) outlive one cycle in a warm container:
// read once, re-read after `credsexpire`. Pull secrets on applications are not cached here.
import type { RegistryEndpoint } from '../registry/config';
import type { RegistryCredentials } from '../registry/credentials';

interface Entry {
  credentials: Promise<RegistryCredentials>;
  expiresAt: number;
}

class RegistryCredentialsCache {
  private readonly entries = new Map<string, Entry>();

  get(endpoint: RegistryEndpoint, load: () => Promise<RegistryCredentials>, now = Date.now()): Promise<RegistryCredentials> {
    const key = `${endpoint.apiUrl}|${endpoint.credentials ?? ''}`;
    const cached = this.entries.get(key);
    if (cached && cached.expiresAt > now) return cached.credentials;
    const credentials = load();
    const lifetime = endpoint.credsExpireSeconds ? endpoint.credsExpireSeconds * 1000 : Number.POSITIVE_INFINITY;
    this.entries.set(key, { credentials, expiresAt: now + lifetime });
    // A failed read is not remembered: the next cycle tries again.
    credentials.catch(() => this.entries.delete(key));
    return credentials;
  }
}

export const registryCredentialsCache = new RegistryCredentialsCache();
