// Registry-level credentials (registries.conf `credentials`) outlive one cycle in a warm container:
// read once, re-read after `credsexpire`. Pull secrets on applications are not cached here.
import { ExpiringCache } from '../cache/expiring-cache';
import type { RegistryEndpoint } from '../registry/config';
import type { RegistryCredentials } from '../registry/credentials';

class RegistryCredentialsCache {
  private readonly cache = new ExpiringCache<RegistryCredentials>();

  get(endpoint: RegistryEndpoint, load: () => Promise<RegistryCredentials>, now = Date.now()): Promise<RegistryCredentials> {
    const key = `${endpoint.apiUrl}|${endpoint.credentials ?? ''}`;
    const lifetime = endpoint.credsExpireSeconds ? endpoint.credsExpireSeconds * 1000 : Number.POSITIVE_INFINITY;
    // A failed read is not remembered: the next cycle tries again.
    return this.cache.get(key, load, lifetime, now);
  }
}

export const registryCredentialsCache = new RegistryCredentialsCache();
