// Where credentials may travel: to the registry they were given for, over https (plain http only
// to a registry configured `insecure`), and to a token realm on the registry's own host, a known
// token host of a public registry, or a host the registry's registries.conf entry lists in
// `token_hosts`. Redirects to another origin never carry them: undici's fetch drops the
// Authorization header on a cross-origin redirect.
import type { RegistryEndpoint } from './config';

/** Public registries whose token realm is on another host than their API. */
const KNOWN_TOKEN_HOSTS: Record<string, string[]> = {
  'registry-1.docker.io': ['auth.docker.io'],
  'registry.gitlab.com': ['gitlab.com'],
};

/** Why credentials may not be sent to `url`, or undefined when they may. */
export function plainHttpProblem(endpoint: RegistryEndpoint, url: URL): string | undefined {
  if (url.protocol !== 'http:' || endpoint.insecure) return undefined;
  return `credentials are not sent over plain http to ${url.host}; configure the registry with insecure: true in registries.conf to allow it`;
}

/** Why credentials may not go to the token realm `realm` of the registry at `registryBase`, or undefined. */
export function realmProblem(endpoint: RegistryEndpoint, registryBase: URL, realm: URL): string | undefined {
  const http = plainHttpProblem(endpoint, realm);
  if (http) return http;
  const registryHost = registryBase.hostname.toLowerCase();
  const realmHost = realm.hostname.toLowerCase();
  const allowed = [registryHost, ...(KNOWN_TOKEN_HOSTS[registryHost] ?? []), ...(endpoint.tokenHosts ?? [])];
  if (allowed.includes(realmHost)) return undefined;
  return (
    `credentials are not sent to token realm ${realm.origin}: it is not on the registry's host ${registryHost}; ` +
    `list ${realmHost} in token_hosts of the registry's registries.conf entry to allow it`
  );
}
