// The OCI distribution client: tags, digests, manifests and build metadata of one endpoint's
// repositories, with the reference's authentication, the endpoint's rate limit and every answer
// validated before use.
import { createHash } from 'node:crypto';
import type { Log, Platform } from '../model';
import { registerSecret } from '../report/secrets';
import { Authenticator, type SharedAnswers } from './auth';
import { BODY_LIMITS, BodyTooLargeError, readBodyLimited, readJsonLimited } from './body-limit';
import type { RegistryEndpoint } from './config';
import { plainHttpProblem } from './credential-scope';
import type { RegistryCredentials } from './credentials';
import { DeadlineReached } from '../deadline';
import { NoMatchingPlatformError, RegistryError, errorFromResponse, type ErrorScope } from './errors';
import { MANIFEST_ACCEPT, MEDIA_TYPES, parseImageConfig, parseManifest, type ImageConfig, type ParsedManifest } from './manifests';
import { platformMatches } from './platform';
import { DigestSchema, TagListSchema } from './schema';
import { collectTagPages } from './tag-pages';
import { RegistryTransport, type RequestCounter, type RequestKind } from './transport';
import type { RegistryResponse } from './response';

export type { RequestCounter, RequestKind } from './transport';

export interface ManifestInfo {
  /** sha256 of the manifest bytes as served: for a multi-arch image, the index's digest. */
  digest: string;
  mediaType: string;
  /** The image's platform, or each child's for an index. */
  platforms: Platform[];
  configDigest?: string;
  children?: { digest: string; platform: Platform }[];
}

export interface ImageMetadata {
  digest: string;
  /** Build time from the image config; for an index, the newest among the matching children. */
  created?: Date;
  /** The platforms that matched. */
  platforms: Platform[];
}

export interface RegistryClientOptions {
  endpoint: RegistryEndpoint;
  credentials?: RegistryCredentials;
  counter?: RequestCounter;
  log: Log;
  /** Epoch ms: never wait (rate limit, Retry-After) past it. */
  deadline?: number;
  /** Tags per page (`n`); tests lower it to exercise pagination. */
  pageSize?: number;
  /** Answers shared with the invocation's other clients of this registry (the ping). */
  shared?: SharedAnswers;
}

const DEFAULT_PAGE_SIZE = 1000;
const REPOSITORY_NAME = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
/** The OCI tag grammar: a registry's tag outside it is ignored (it could never be written safely). */
const TAG = /^[\w][\w.-]{0,127}$/;

export class RegistryClient {
  private readonly endpoint: RegistryEndpoint;
  private readonly transport: RegistryTransport;
  private readonly auth: Authenticator;
  private readonly pageSize: number;
  private readonly log: Log;

  constructor(options: RegistryClientOptions) {
    this.endpoint = options.endpoint;
    this.log = options.log;
    // Already registered where it was read; again here for credentials that came from elsewhere.
    registerSecret(options.credentials?.password);
    this.transport = new RegistryTransport(options);
    this.auth = new Authenticator(this.transport, options.endpoint, options.credentials, options.log, options.shared);
    this.pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  }

  /** Every tag of the repository, all pages; a failure on any page fails the whole list. */
  listTags(repository: string): Promise<string[]> {
    return this.withinRepository(repository, async (scope) => {
      await this.auth.ready();
      const firstUrl = `${this.transport.baseUrl}/v2/${repository}/tags/list?n=${this.pageSize}`;
      try {
        const listed = await collectTagPages(firstUrl, this.pageSize, async (url) => {
          const response = await this.send('tags', repository, url);
          if (!response.ok) throw await this.failure(scope, response, 'listing tags');
          const parsed = TagListSchema.safeParse(await bounded(scope, 'listing tags', () => readJsonLimited(response, BODY_LIMITS.tagPage)));
          if (!parsed.success) throw new RegistryError(scope, 'listing tags: the answer is not a tag list');
          return { tags: parsed.data.tags, link: response.headers.get('link') };
        });
        return this.validTags(listed, repository);
      } catch (error) {
        if (error instanceof RegistryError) throw error;
        throw new RegistryError(scope, `listing tags: ${(error as Error).message}`);
      }
    });
  }

  /** The manifest digest by HEAD (`Docker-Content-Digest`); a GET and a hash when the header is missing. */
  digestOf(repository: string, reference: string): Promise<string> {
    return this.withinRepository(repository, async (scope) => {
      const response = await this.send('manifest-head', repository, await this.manifestUrl(scope, repository, reference), {
        method: 'HEAD',
        accept: MANIFEST_ACCEPT,
      });
      if (!response.ok) throw await this.failure(scope, response, `manifest ${reference}`);
      const header = DigestSchema.safeParse(response.headers.get('docker-content-digest'));
      if (header.success) return header.data;
      return (await this.fetchManifest(scope, repository, reference)).digest;
    });
  }

  /**
   * The manifest and its platforms: an index lists its children's; a single image's platform is in
   * its config, which costs one blob GET more.
   */
  manifest(repository: string, reference: string): Promise<ManifestInfo> {
    return this.withinRepository(repository, async (scope) => {
      const { digest, manifest } = await this.fetchManifest(scope, repository, reference);
      const info: ManifestInfo = { digest, mediaType: manifest.mediaType, platforms: [] };
      if (manifest.kind === 'index') {
        info.children = manifest.children;
        info.platforms = manifest.children.map((child) => child.platform);
      } else if (manifest.kind === 'v1') {
        if (manifest.config.platform) info.platforms = [manifest.config.platform];
      } else if (manifest.configDigest) {
        info.configDigest = manifest.configDigest;
        const config = await this.fetchConfig(scope, repository, manifest.configDigest);
        if (config.platform) info.platforms = [config.platform];
      }
      return info;
    });
  }

  /**
   * What newest-build needs: the manifest, and the config of the image or of each child matching
   * `platforms` (undefined: any). Throws NoMatchingPlatformError when nothing matches.
   */
  metadata(repository: string, tag: string, platforms?: Platform[]): Promise<ImageMetadata> {
    return this.withinRepository(repository, async (scope) => {
      const { digest, manifest } = await this.fetchManifest(scope, repository, tag);
      if (manifest.kind !== 'index') {
        const config = await this.imageConfig(scope, repository, tag, manifest);
        if (platforms !== undefined && !(config.platform && platformMatches(config.platform, platforms))) {
          throw new NoMatchingPlatformError(scope, tag, platforms, config.platform ? [config.platform] : []);
        }
        return withCreated({ digest, platforms: config.platform ? [config.platform] : [] }, config.created);
      }

      const matching = manifest.children.filter((child) => platformMatches(child.platform, platforms));
      if (matching.length === 0) {
        if (platforms === undefined) throw new RegistryError(scope, `${tag} is an index without images`);
        throw new NoMatchingPlatformError(scope, tag, platforms, manifest.children.map((child) => child.platform));
      }
      const configs = await Promise.all(
        matching.map(async (child) => {
          const { manifest: childManifest } = await this.fetchManifest(scope, repository, child.digest);
          if (childManifest.kind === 'index') {
            throw new RegistryError(scope, `${tag}: child ${child.digest} is itself an index`);
          }
          return this.imageConfig(scope, repository, child.digest, childManifest);
        }),
      );
      const times = configs.flatMap((config) => (config.created ? [config.created.getTime()] : []));
      const created = times.length > 0 ? new Date(Math.max(...times)) : undefined;
      return withCreated({ digest, platforms: matching.map((child) => child.platform) }, created);
    });
  }

  /**
   * A signature artifact's manifest (`reference`: a tag or digest) as JSON with its digest;
   * undefined when the registry has none (404).
   */
  artifactManifest(repository: string, reference: string): Promise<{ digest: string; document: unknown } | undefined> {
    return this.withinRepository(repository, async (scope) => {
      const action = `signature manifest ${reference}`;
      const url = await this.manifestUrl(scope, repository, reference);
      const response = await this.send('manifest-get', repository, url, { accept: ARTIFACT_ACCEPT });
      if (response.status === 404) return absent(response);
      if (!response.ok) throw await this.failure(scope, response, action);
      const bytes = await readBody(scope, response, action, BODY_LIMITS.signatureManifest);
      const digest = sha256Digest(bytes);
      if (reference.startsWith('sha256:') && reference !== digest) {
        throw new RegistryError(scope, `${action}: the registry sent content with digest ${digest}`);
      }
      return { digest, document: parseJsonAnswer(scope, action, bytes) };
    });
  }

  /**
   * The OCI referrers index of `digest` (`GET /v2/<name>/referrers/<digest>`); undefined when the
   * registry does not offer the API (404).
   */
  referrers(repository: string, digest: string): Promise<unknown> {
    return this.withinRepository(repository, async (scope) => {
      const action = `referrers of ${digest}`;
      if (!DigestSchema.safeParse(digest).success) throw new RegistryError(scope, `${action}: not a digest`);
      await this.auth.ready();
      const url = `${this.transport.baseUrl}/v2/${repository}/referrers/${digest}`;
      const response = await this.send('referrers', repository, url, { accept: MEDIA_TYPES.ociIndex });
      if (response.status === 404) return absent(response);
      if (!response.ok) throw await this.failure(scope, response, action);
      return parseJsonAnswer(scope, action, await readBody(scope, response, action, BODY_LIMITS.signatureManifest));
    });
  }

  /** A small blob (a signature payload), refused past `limit` and checked against its digest. */
  smallBlob(repository: string, digest: string, limit: number): Promise<Buffer> {
    return this.withinRepository(repository, async (scope) => {
      const action = `blob ${digest}`;
      if (!digest.startsWith('sha256:') || !DigestSchema.safeParse(digest).success) throw new RegistryError(scope, `${action}: not a sha256 digest`);
      await this.auth.ready();
      const response = await this.send('blob', repository, `${this.transport.baseUrl}/v2/${repository}/blobs/${digest}`);
      if (!response.ok) throw await this.failure(scope, response, action);
      const bytes = await readBody(scope, response, action, limit);
      if (sha256Digest(bytes) !== digest) throw new RegistryError(scope, `${action}: the registry sent content with another digest`);
      return bytes;
    });
  }

  /** The tags that fit the OCI grammar; the others are counted in a warning, never used. */
  private validTags(tags: string[], repository: string): string[] {
    const valid = tags.filter((tag) => TAG.test(tag));
    const ignored = tags.length - valid.length;
    if (ignored > 0) {
      const example = tags.find((tag) => !TAG.test(tag)) ?? '';
      this.log.warn(`registry ${this.endpoint.name}, repository ${repository}: ${ignored} tag(s) ignored, not valid OCI tags`, {
        registry: this.endpoint.name,
        repository,
        ignoredTags: ignored,
        example: JSON.stringify(example.slice(0, 64)),
      });
    }
    return valid;
  }

  /** Runs `work`, naming the repository in errors raised before it was known (the ping). */
  private async withinRepository<T>(repository: string, work: (scope: ErrorScope) => Promise<T>): Promise<T> {
    const scope: ErrorScope = { endpoint: this.endpoint, repository };
    if (!REPOSITORY_NAME.test(repository)) {
      throw new RegistryError(scope, 'invalid repository name');
    }
    try {
      return await work(scope);
    } catch (error) {
      if (error instanceof RegistryError && error.repository === undefined) {
        throw new RegistryError(scope, error.detail, error.status, { cause: error.cause });
      }
      throw error;
    }
  }

  /** A request on the repository, authorized, retried once when a 401 shows a way to succeed. */
  private async send(
    kind: RequestKind,
    repository: string,
    url: string,
    options: { method?: 'GET' | 'HEAD'; accept?: string } = {},
  ): Promise<RegistryResponse> {
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = {};
      if (options.accept) headers.accept = options.accept;
      // Credentials go to the registry's own origin only, never to a host a Link or redirect names.
      if (new URL(url).origin === new URL(this.transport.baseUrl).origin) {
        const authorization = await this.auth.authorization(repository);
        const problem = authorization && this.auth.hasCredentials ? plainHttpProblem(this.endpoint, new URL(url)) : undefined;
        if (problem) throw new RegistryError({ endpoint: this.endpoint, repository }, problem);
        if (authorization) headers.authorization = authorization;
      }
      const response = await this.transport.request(kind, url, { method: options.method ?? 'GET', headers, repository });
      if (response.status === 401 && attempt === 0 && (await this.auth.recoverFromUnauthorized(response, repository))) {
        await response.discard();
        continue;
      }
      return response;
    }
  }

  private failure(scope: ErrorScope, response: RegistryResponse, action: string): Promise<RegistryError> {
    return errorFromResponse(scope, response, action, this.auth.hasCredentials);
  }

  /** Waits for the ping, after which the base URL is final. */
  private async manifestUrl(scope: ErrorScope, repository: string, reference: string): Promise<string> {
    if (!TAG.test(reference) && !DigestSchema.safeParse(reference).success) {
      throw new RegistryError(scope, `invalid tag or digest ${JSON.stringify(reference)}`);
    }
    await this.auth.ready();
    return `${this.transport.baseUrl}/v2/${repository}/manifests/${reference}`;
  }

  private async fetchManifest(
    scope: ErrorScope,
    repository: string,
    reference: string,
  ): Promise<{ digest: string; manifest: ParsedManifest }> {
    const url = await this.manifestUrl(scope, repository, reference);
    const response = await this.send('manifest-get', repository, url, { accept: MANIFEST_ACCEPT });
    if (!response.ok) throw await this.failure(scope, response, `manifest ${reference}`);
    const bytes = await readBody(scope, response, `manifest ${reference}`, BODY_LIMITS.manifest);
    const digest = sha256Digest(bytes);
    if (reference.startsWith('sha256:') && reference !== digest) {
      throw new RegistryError(scope, `manifest ${reference}: the registry sent content with digest ${digest}`);
    }
    try {
      return { digest, manifest: parseManifest(bytes, response.headers.get('content-type')) };
    } catch (error) {
      throw new RegistryError(scope, `manifest ${reference}: ${(error as Error).message}`);
    }
  }

  private async imageConfig(
    scope: ErrorScope,
    repository: string,
    reference: string,
    manifest: Exclude<ParsedManifest, { kind: 'index' }>,
  ): Promise<ImageConfig> {
    if (manifest.kind === 'v1') return manifest.config;
    if (!manifest.configDigest) throw new RegistryError(scope, `${reference} is not a container image`);
    return this.fetchConfig(scope, repository, manifest.configDigest);
  }

  private async fetchConfig(scope: ErrorScope, repository: string, digest: string): Promise<ImageConfig> {
    const action = `image config ${digest}`;
    const response = await this.send('blob', repository, `${this.transport.baseUrl}/v2/${repository}/blobs/${digest}`);
    if (!response.ok) throw await this.failure(scope, response, action);
    const bytes = await readBody(scope, response, action, BODY_LIMITS.imageConfig);
    if (digest.startsWith('sha256:') && sha256Digest(bytes) !== digest) {
      throw new RegistryError(scope, `${action}: the registry sent content with another digest`);
    }
    try {
      return parseImageConfig(bytes);
    } catch (error) {
      throw new RegistryError(scope, `${action}: ${(error as Error).message}`);
    }
  }
}

/** A signature is an image manifest; Docker's type is accepted from registries that rewrite it. */
const ARTIFACT_ACCEPT = [MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest].join(', ');

async function absent(response: RegistryResponse): Promise<undefined> {
  await response.discard();
  return undefined;
}

function parseJsonAnswer(scope: ErrorScope, action: string, bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new RegistryError(scope, `${action}: the answer is not JSON`);
  }
}

function withCreated(metadata: ImageMetadata, created: Date | undefined): ImageMetadata {
  if (created) metadata.created = created;
  return metadata;
}

function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function readBody(scope: ErrorScope, response: RegistryResponse, action: string, limit: number): Promise<Buffer> {
  return bounded(scope, action, () => readBodyLimited(response, limit));
}

/** Reading an answer: too large or broken off is a RegistryError naming the action. */
async function bounded<T>(scope: ErrorScope, action: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw new RegistryError(scope, `${action}: ${error.message}`);
    // The run's deadline signal (or, without a deadline, the request's own timeout) cut the body.
    if ((error as Error).name === 'TimeoutError') {
      throw new RegistryError(scope, `${action}: the answer was still arriving at the deadline`, undefined, { cause: new DeadlineReached(action, { cause: error }) });
    }
    throw new RegistryError(scope, `${action}: reading the answer failed: ${(error as Error).message}`, undefined, { cause: error });
  }
}

