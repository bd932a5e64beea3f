// Which registry endpoint serves an image (reference d3), and the repository path on it (b9).
import { isIP } from 'node:net';
import type { ImageRef } from '../model';
import type { RegistryEndpoint } from './config';
import { RegistryAllowlist } from './egress';

const DOCKER_HUB_PREFIX = 'docker.io';
/** The reference's rate for endpoints inferred from an image's registry. */
const INFERRED_RATE_LIMIT = 20;
/** Published limits lower than that: ECR Public serves 10 authenticated pulls a second. */
const KNOWN_RATE_LIMITS: Record<string, number> = { 'public.ecr.aws': 10 };

/** Built into the reference: implicit images and `docker.io/...` go to Docker Hub. */
export function dockerHubEndpoint(): RegistryEndpoint {
  return {
    name: 'Docker Hub',
    prefix: DOCKER_HUB_PREFIX,
    apiUrl: 'https://registry-1.docker.io',
    insecure: false,
    defaultNamespace: 'library',
    isDefault: true,
    rateLimitPerSecond: 10,
    tagSortMode: 'none',
  };
}

export interface DirectoryOptions {
  /** IMAGE_UPDATER_ALLOWED_REGISTRIES: hosts an image not covered by registries.conf may name. */
  allowedRegistries?: readonly string[];
  /** The operator named the image (the CLI's `test`): an inferred registry is trusted as a configured one. */
  inferredOperatorTrusted?: boolean;
}

export class EndpointDirectory {
  private readonly byPrefix = new Map<string, RegistryEndpoint>();
  private readonly defaultEndpoint: RegistryEndpoint;
  private readonly allowlist: RegistryAllowlist;
  private readonly inferredOperatorTrusted: boolean;

  constructor(configured: RegistryEndpoint[], options: DirectoryOptions = {}) {
    this.allowlist = new RegistryAllowlist(options.allowedRegistries ?? []);
    this.inferredOperatorTrusted = options.inferredOperatorTrusted ?? false;
    const configuredDefault = configured.find((endpoint) => endpoint.isDefault);
    const hub = dockerHubEndpoint();
    // Only one endpoint is the default: Docker Hub steps back when the configuration names another.
    if (configuredDefault) hub.isDefault = false;
    this.byPrefix.set(hub.prefix, hub);
    for (const endpoint of configured) this.byPrefix.set(endpoint.prefix, endpoint);
    this.defaultEndpoint = configuredDefault ?? this.byPrefix.get(DOCKER_HUB_PREFIX) ?? hub;
  }

  /** @throws Error when the operator's allowlist does not cover the image's registry. */
  endpointFor(image: ImageRef): RegistryEndpoint {
    const endpoint = this.lookup(image);
    const host = image.registry || DOCKER_HUB_PREFIX;
    if (!endpoint.operatorTrusted && !this.allowlist.allows(host)) {
      throw new Error(
        `registry ${host} is not allowed: IMAGE_UPDATER_ALLOWED_REGISTRIES permits only ${this.allowlist.globs.join(', ')} ` +
          'and the registries of registries.conf',
      );
    }
    return endpoint;
  }

  private lookup(image: ImageRef): RegistryEndpoint {
    if (image.registry === '') return this.defaultEndpoint;
    const exact = this.byPrefix.get(image.registry);
    if (exact) return exact;
    const byImage = this.longestPrefixMatch(`${image.registry}/${image.name}`);
    if (byImage) return byImage;
    const inferred = inferEndpoint(image.registry);
    if (this.inferredOperatorTrusted) inferred.operatorTrusted = true;
    this.byPrefix.set(inferred.prefix, inferred);
    return inferred;
  }

  /** The name to ask the registry for: a single-segment name gets the endpoint's default namespace. */
  repositoryPath(endpoint: RegistryEndpoint, image: ImageRef): string {
    if (endpoint.defaultNamespace && !image.name.includes('/')) return `${endpoint.defaultNamespace}/${image.name}`;
    return image.name;
  }

  /**
   * The longest configured prefix of "<registry>/<name>". Unlike the reference's plain string prefix,
   * a match must end at a path segment, so `foo.bar/team1` does not capture `foo.bar/team10/app`.
   * A prefix-less entry ("") matches every image, as it does in the reference.
   */
  private longestPrefixMatch(fullName: string): RegistryEndpoint | undefined {
    let best: RegistryEndpoint | undefined;
    for (const endpoint of this.byPrefix.values()) {
      const prefix = endpoint.prefix;
      const matches =
        prefix === '' || fullName === prefix || fullName.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
      if (matches && (!best || prefix.length > best.prefix.length)) best = endpoint;
    }
    return best;
  }
}

function inferEndpoint(registry: string): RegistryEndpoint {
  const endpoint: RegistryEndpoint = {
    name: registry,
    prefix: registry,
    apiUrl: `https://${registry}`,
    insecure: false,
    isDefault: false,
    rateLimitPerSecond: KNOWN_RATE_LIMITS[registry.toLowerCase()] ?? INFERRED_RATE_LIMIT,
    tagSortMode: 'none',
  };
  if (isLoopbackHost(registry)) endpoint.plainHttpFallback = true;
  return endpoint;
}

/** localhost, 127.0.0.0/8 or [::1], with or without a port. */
export function isLoopbackHost(hostAndPort: string): boolean {
  let host: string;
  if (hostAndPort.startsWith('[')) {
    host = hostAndPort.slice(1, hostAndPort.indexOf(']'));
  } else {
    host = hostAndPort.replace(/:\d+$/, '');
  }
  host = host.toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}
