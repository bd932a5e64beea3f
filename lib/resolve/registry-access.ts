// One cycle's view of the registries: which endpoint and credentials serve an image, and the
// per-cycle economy rule that each distinct (registry, repository, credentials) tag list is
// fetched once, however many applications or aliases track it.
import type { ImageRef, Log, Platform } from '../model';
import { RegistryClient, type ImageMetadata, type ManifestInfo, type RequestCounter } from '../registry/client';
import type { RegistryEndpoint } from '../registry/config';
import {
  credentialsIdentity,
  resolveCredentials,
  type CredentialOrigin,
  type RegistryCredentials,
  type SecretReader,
} from '../registry/credentials';
import { describeTaggedImages, ecrCredentials, ecrRegistryOf, type EcrContext, type EcrRegistry } from '../registry/ecr';
import type { EndpointDirectory } from '../registry/endpoints';
import { formatPlatform } from '../registry/platform';
import { registryCredentialsCache } from './credentials-cache';
import { metadataCache, type MetadataCache } from './metadata-cache';
import { RegistryWork } from './registry-work';
import { settledTagList } from './tag-lists';

/** How long the digest a tag had is trusted before one HEAD checks it again. */
export const DEFAULT_TAG_TRUST_MS = 60 * 60_000;

/** What resolution needs from one repository, shared by every image that tracks it in this cycle. */
export interface RepositoryView {
  readonly endpoint: RegistryEndpoint;
  readonly repository: string;
  tags(): Promise<readonly string[]>;
  digestOf(tag: string): Promise<string>;
  manifest(tag: string): Promise<ManifestInfo>;
  metadata(tag: string, platforms: Platform[] | undefined): Promise<ImageMetadata>;
  /** When the registry pushed each tag; only registries that record it (private Amazon ECR) offer this. */
  pushTimes?(): Promise<Map<string, Date>>;
  /** A signature artifact's manifest by tag or digest; undefined when the registry has none. */
  artifactManifest(reference: string): Promise<{ digest: string; document: unknown } | undefined>;
  /** The OCI referrers index of a digest; undefined when the registry does not offer the API. */
  referrers(digest: string): Promise<unknown>;
  /** A small blob, checked against its digest. */
  smallBlob(digest: string, limit: number): Promise<Buffer>;
}

export interface RegistryAccessOptions {
  /** Epoch ms, the run's hard deadline: no registry call or wait goes past it. */
  deadline?: number;
  /** Answers shared with the invocation's other cycles; default: this cycle's own. */
  work?: RegistryWork;
  /** Whose secrets pull-secret references name (the cluster): two clusters' `pullsecret:ns/name` differ. */
  secretsScope?: string;
  /** How long the digest a tag had is trusted before one HEAD checks it again. */
  tagTrustMs?: number;
  /** Default: the process's own, which a warm container keeps between runs. */
  metadataCache?: MetadataCache;
  /** Who wrote the pull-secret references: default an annotation, which may not use `env:` or `ext:`. */
  pullSecretOrigin?: CredentialOrigin;
}

export class RegistryAccess {
  private readonly clients = new Map<string, RegistryClient>();
  private readonly work: RegistryWork;

  constructor(
    private readonly endpoints: EndpointDirectory,
    private readonly secrets: SecretReader,
    private readonly counter: RequestCounter,
    private readonly log: Log,
    private readonly options: RegistryAccessOptions = {},
  ) {
    this.work = options.work ?? new RegistryWork();
  }

  async repository(image: ImageRef, pullSecret: string | undefined): Promise<RepositoryView> {
    const endpoint = this.endpoints.endpointFor(image);
    const repository = this.endpoints.repositoryPath(endpoint, image);
    const ecr = ecrRegistryOf(image.registry);
    // Credentials someone configured win; otherwise an ECR image needs none: the role provides them.
    const fromRole = ecr !== undefined && !pullSecret && !endpoint.credentials;
    const credentials = ecr && fromRole ? await this.ecrCredentials(ecr, endpoint) : await this.credentialsFor(endpoint, image, pullSecret);
    const identity = credentialsIdentity(credentials);
    const client = this.client(endpoint, credentials, identity);
    const key = `${endpoint.apiUrl}|${repository}|${identity}`;
    const view: RepositoryView = {
      endpoint,
      repository,
      tags: () => this.once(`tags|${key}`, async () => settledTagList(key, await client.listTags(repository))),
      digestOf: (tag) => this.once(`digest|${key}|${tag}`, () => client.digestOf(repository, tag)),
      manifest: (tag) => this.once(`manifest|${key}|${tag}`, () => client.manifest(repository, tag)),
      metadata: (tag, platforms) => this.metadata(view, tag, platforms, () => client.metadata(repository, tag, platforms), false),
      artifactManifest: (reference) => this.once(`artifact|${key}|${reference}`, () => client.artifactManifest(repository, reference)),
      referrers: (digest) => this.once(`referrers|${key}|${digest}`, () => client.referrers(repository, digest)),
      smallBlob: (digest, limit) => this.once(`blob|${key}|${digest}|${limit}`, () => client.smallBlob(repository, digest, limit)),
    };
    if (ecr?.kind !== 'private') return view;

    // The ECR API always acts as the role. Tags and digests come from it only when the registry
    // API would act as the role too: configured credentials may reach what the role cannot.
    const images = () =>
      this.once(`ecr-images|${ecr.host}|${repository}`, () => describeTaggedImages(ecr, repository, this.ecrContext(endpoint)));
    const pushTimes = async () => (await images()).pushTimes();
    if (!fromRole) return { ...view, pushTimes };
    const ecrView: RepositoryView = {
      ...view,
      tags: () => this.once(`ecr-tags|${key}`, async () => settledTagList(`ecr|${key}`, (await images()).tags())),
      digestOf: async (tag) => (await images()).digestOf(tag),
      pushTimes,
    };
    ecrView.metadata = (tag, platforms) => this.metadata(ecrView, tag, platforms, () => client.metadata(repository, tag, platforms), true);
    return ecrView;
  }

  /** Once per cycle, and across cycles through the warm container's metadata cache. */
  private metadata(view: RepositoryView, tag: string, platforms: Platform[] | undefined, fetch: () => Promise<ImageMetadata>, freeDigest: boolean): Promise<ImageMetadata> {
    const variant = platformsKey(platforms);
    const repositoryKey = `${view.endpoint.apiUrl}/${view.repository}`;
    return this.once(`metadata|${repositoryKey}|${tag}|${variant}`, () =>
      (this.options.metadataCache ?? metadataCache).metadata(repositoryKey, tag, variant, this.options.tagTrustMs ?? DEFAULT_TAG_TRUST_MS, {
        digestOf: () => view.digestOf(tag),
        freeDigest,
        fetch,
      }),
    );
  }

  /** Once per registry and cycle, so that a failure is reported once rather than by every image. */
  private ecrCredentials(ecr: EcrRegistry, endpoint: RegistryEndpoint): Promise<RegistryCredentials | undefined> {
    return this.once(`ecr-credentials|${ecr.host}`, () => ecrCredentials(ecr, this.ecrContext(endpoint)));
  }

  private ecrContext(endpoint: RegistryEndpoint): EcrContext {
    return { endpoint, log: this.log, counter: this.counter, deadline: this.options.deadline };
  }

  /** A pull secret on the image wins over the registry's own credentials (read every cycle, as the reference does). */
  private async credentialsFor(endpoint: RegistryEndpoint, image: ImageRef, pullSecret: string | undefined): Promise<RegistryCredentials | undefined> {
    const context = { secrets: this.secrets, registryHost: image.registry || hostOf(endpoint.apiUrl), apiUrl: endpoint.apiUrl };
    if (pullSecret) {
      const key = `pull-secret|${this.options.secretsScope ?? ''}|${endpoint.apiUrl}|${pullSecret}`;
      return this.once(key, () => resolveCredentials(pullSecret, context, this.options.pullSecretOrigin ?? 'annotation'));
    }
    if (!endpoint.credentials) return undefined;
    const reference = endpoint.credentials;
    return registryCredentialsCache.get(endpoint, () => resolveCredentials(reference, context));
  }

  private client(endpoint: RegistryEndpoint, credentials: RegistryCredentials | undefined, identity: string): RegistryClient {
    const key = `${endpoint.apiUrl}|${identity}`;
    let client = this.clients.get(key);
    if (!client) {
      client = new RegistryClient({ endpoint, credentials, counter: this.counter, log: this.log, deadline: this.options.deadline, shared: this.work });
      this.clients.set(key, client);
    }
    return client;
  }

  private once<T>(key: string, load: () => Promise<T>): Promise<T> {
    return this.work.once(key, load);
  }
}

function platformsKey(platforms: Platform[] | undefined): string {
  return platforms ? platforms.map(formatPlatform).sort().join(',') : 'any';
}

function hostOf(apiUrl: string): string {
  return new URL(apiUrl).host;
}
