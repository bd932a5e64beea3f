// Where credentials may travel: to the registry they were given for, over https (plain http only
// to a registry configured `insecure`, or on loopback, which never leaves the machine), and to a
// token realm on the registry's own host, Docker Hub's known token host, or any host for a
// registry the operator configured. Redirects to another origin never carry them: undici's fetch
// drops the Authorization header on a cross-origin redirect.
import type { RegistryEndpoint } from './config';
import { isLoopbackHost } from './endpoints';

/** Token hosts of registries whose realm is on another host than their API. */
const KNOWN_TOKEN_HOSTS: Record<string, string[]> = { 'registry-1.docker.io': ['auth.docker.io'] };

/** Why credentials may not be sent to `url`, or undefined when they may. */
export function plainHttpProblem(endpoint: RegistryEndpoint, url: URL): string | undefined {
  if (url.protocol !== 'http:' || endpoint.insecure || isLoopbackHost(url.host)) return undefined;
  return `credentials are not sent over plain http to ${url.host}; configure the registry with insecure: true in registries.conf to allow it`;
}

/** Why credentials may not go to the token realm `realm` of the registry at `registryBase`, or undefined. */
export function realmProblem(endpoint: RegistryEndpoint, registryBase: URL, realm: URL): string | undefined {
  const http = plainHttpProblem(endpoint, realm);
  if (http) return http;
  const registryHost = registryBase.hostname.toLowerCase();
  const realmHost = realm.hostname.toLowerCase();
  if (endpoint.operatorTrusted || realmHost === registryHost || KNOWN_TOKEN_HOSTS[registryHost]?.includes(realmHost)) return undefined;
  return (
    `credentials are not sent to token realm ${realm.origin}: it is not on the registry's host ${registryHost}; ` +
    'configure the registry in registries.conf to trust its token realm'
  );
}
