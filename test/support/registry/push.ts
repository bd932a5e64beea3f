// Pushing test images over the registry HTTP API alone: monolithic blob uploads, cross-repository
// mounts and manifest PUTs. Blobs are pushed once per repository and mounted into the next ones, so
// a new tag costs three requests (config POST + PUT, manifest PUT), the same tag in another
// repository two (config mount, manifest PUT), and tagging an existing manifest again one.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { fetch } from 'undici';
import type { Platform } from '../../../lib/model';
import type { RegistryUser, RunningRegistry } from './registry-server';

export type PushPlatform = Platform & {
  /** This platform's build time; default the image's `created`. */
  created?: Date;
};

export interface PushOptions {
  /** Build time written to the image config; default now. */
  created?: Date;
  /** More than one: an OCI index (or Docker manifest list). Default linux/amd64. */
  platforms?: PushPlatform[];
  mediaType?: 'oci' | 'docker';
  /** Push as this user (default the registry's first). */
  auth?: RegistryUser;
}

export interface PushItem {
  repository: string;
  tag: string;
  options?: PushOptions;
}

const MEDIA = {
  oci: {
    manifest: 'application/vnd.oci.image.manifest.v1+json',
    index: 'application/vnd.oci.image.index.v1+json',
    config: 'application/vnd.oci.image.config.v1+json',
    layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  },
  docker: {
    manifest: 'application/vnd.docker.distribution.manifest.v2+json',
    index: 'application/vnd.docker.distribution.manifest.list.v2+json',
    config: 'application/vnd.docker.container.image.v1+json',
    layer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  },
} as const;

const MANIFEST_ACCEPT = [...Object.values(MEDIA.oci), ...Object.values(MEDIA.docker)].join(', ');
const DEFAULT_PLATFORM: PushPlatform = { os: 'linux', arch: 'amd64' };

/** An empty tar archive (two zero blocks), gzipped: the one layer every test image has. */
const LAYER_TAR = Buffer.alloc(1024);
const LAYER = gzipSync(LAYER_TAR);
const LAYER_DIGEST = sha256(LAYER);
const LAYER_DIFF_ID = sha256(LAYER_TAR);

export async function pushImage(
  registry: RunningRegistry,
  repository: string,
  tag: string,
  options: PushOptions = {},
): Promise<{ digest: string }> {
  const media = MEDIA[options.mediaType ?? 'oci'];
  const created = options.created ?? new Date();
  const platforms = options.platforms && options.platforms.length > 0 ? options.platforms : [DEFAULT_PLATFORM];
  const session = new PushSession(registry, repository, options.auth);

  await session.uploadBlob(LAYER, LAYER_DIGEST);
  const images = await Promise.all(
    platforms.map(async (platform) => {
      const config = imageConfig(platform, platform.created ?? created);
      const configDigest = sha256(config);
      await session.uploadBlob(config, configDigest);
      const manifest = json({
        schemaVersion: 2,
        mediaType: media.manifest,
        config: { mediaType: media.config, digest: configDigest, size: config.length },
        layers: [{ mediaType: media.layer, digest: LAYER_DIGEST, size: LAYER.length }],
      });
      return { platform, manifest, digest: sha256(manifest) };
    }),
  );

  const [single] = images;
  if (images.length === 1 && single) return session.putManifest(tag, single.manifest, media.manifest);

  await Promise.all(images.map((image) => session.putManifest(image.digest, image.manifest, media.manifest)));
  const index = json({
    schemaVersion: 2,
    mediaType: media.index,
    manifests: images.map((image) => ({
      mediaType: media.manifest,
      digest: image.digest,
      size: image.manifest.length,
      platform: {
        os: image.platform.os,
        architecture: image.platform.arch,
        ...(image.platform.variant ? { variant: image.platform.variant } : {}),
      },
    })),
  });
  return session.putManifest(tag, index, media.index);
}

/** Points `newTag` at the manifest `existingTag` names: one PUT when this process pushed it. */
export async function tagImage(
  registry: RunningRegistry,
  repository: string,
  existingTag: string,
  newTag: string,
): Promise<{ digest: string }> {
  const session = new PushSession(registry, repository);
  const known = registry.push.manifests.get(`${repository}:${existingTag}`) ?? (await session.getManifest(existingTag));
  return session.putManifest(newTag, known.bytes, known.mediaType);
}

export interface ArtifactLayer {
  mediaType: string;
  bytes: Buffer;
  annotations?: Record<string, string>;
}

/**
 * An OCI artifact manifest (a cosign signature): its config and layer blobs uploaded, the manifest
 * put under `reference` (a tag, or its own digest when undefined).
 */
export async function pushArtifact(
  registry: RunningRegistry,
  repository: string,
  reference: string | undefined,
  artifact: { config: { mediaType: string; bytes: Buffer }; layers: ArtifactLayer[]; artifactType?: string; subject?: { mediaType: string; digest: string; size: number } },
): Promise<{ digest: string; size: number }> {
  const session = new PushSession(registry, repository);
  const configDigest = sha256(artifact.config.bytes);
  await session.uploadBlob(artifact.config.bytes, configDigest);
  const layers = await Promise.all(
    artifact.layers.map(async (layer) => {
      const digest = sha256(layer.bytes);
      await session.uploadBlob(layer.bytes, digest);
      return { mediaType: layer.mediaType, digest, size: layer.bytes.length, ...(layer.annotations && { annotations: layer.annotations }) };
    }),
  );
  const manifest = json({
    schemaVersion: 2,
    mediaType: MEDIA.oci.manifest,
    ...(artifact.artifactType && { artifactType: artifact.artifactType }),
    config: { mediaType: artifact.config.mediaType, digest: configDigest, size: artifact.config.bytes.length },
    layers,
    ...(artifact.subject && { subject: artifact.subject }),
  });
  const { digest } = await session.putManifest(reference ?? sha256(manifest), manifest, MEDIA.oci.manifest);
  return { digest, size: manifest.length };
}

/** Many pushes at once, `concurrency` at a time (default 16); digests in the order of `items`. */
export async function pushImages(
  registry: RunningRegistry,
  items: PushItem[],
  options: { concurrency?: number } = {},
): Promise<{ digest: string }[]> {
  const results: { digest: string }[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      const item = items[index];
      if (item) results[index] = await pushImage(registry, item.repository, item.tag, item.options);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 16, items.length) }, worker));
  return results;
}

class PushSession {
  constructor(
    private readonly registry: RunningRegistry,
    private readonly repository: string,
    private readonly user?: RegistryUser,
  ) {}

  /** Uploads a blob unless this process already did (or is doing) so for the repository. */
  uploadBlob(bytes: Buffer, digest: string): Promise<void> {
    const key = `${this.repository}@${digest}`;
    let upload = this.registry.push.blobs.get(key);
    if (!upload) {
      upload = this.upload(bytes, digest);
      upload.catch(() => this.registry.push.blobs.delete(key));
      this.registry.push.blobs.set(key, upload);
    }
    return upload;
  }

  async putManifest(reference: string, bytes: Buffer, mediaType: string): Promise<{ digest: string }> {
    const response = await this.request('PUT', `/v2/${this.repository}/manifests/${reference}`, {
      body: bytes,
      headers: { 'content-type': mediaType },
    });
    await expectStatus(response, 201, `PUT manifest ${this.repository}:${reference}`);
    const digest = sha256(bytes);
    if (!reference.startsWith('sha256:')) {
      this.registry.push.manifests.set(`${this.repository}:${reference}`, { bytes, mediaType, digest });
    }
    return { digest };
  }

  async getManifest(reference: string): Promise<{ bytes: Buffer; mediaType: string }> {
    const response = await this.request('GET', `/v2/${this.repository}/manifests/${reference}`, {
      headers: { accept: MANIFEST_ACCEPT },
    });
    await expectStatus(response, 200, `GET manifest ${this.repository}:${reference}`);
    const bytes = Buffer.from(await response.arrayBuffer());
    return { bytes, mediaType: response.headers.get('content-type') ?? MEDIA.oci.manifest };
  }

  /**
   * A blob another repository already has is mounted (one request); otherwise, or when the registry
   * declines the mount, it is uploaded in one piece (POST, then PUT).
   */
  private async upload(bytes: Buffer, digest: string): Promise<void> {
    const home = this.registry.push.blobHomes.get(digest);
    const mountFrom = home !== undefined && home !== this.repository ? home : undefined;
    const query = mountFrom ? `?${new URLSearchParams({ mount: digest, from: mountFrom }).toString()}` : '';
    const started = await this.request('POST', `/v2/${this.repository}/blobs/uploads/${query}`, {}, mountFrom);
    if (started.status === 201) {
      await started.body?.cancel();
      return;
    }
    await expectStatus(started, 202, `POST blob upload to ${this.repository}`);
    const location = new URL(started.headers.get('location') ?? '', this.registry.url);
    location.searchParams.set('digest', digest);
    const finished = await this.request('PUT', location.toString(), {
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    await expectStatus(finished, 201, `PUT blob ${digest} to ${this.repository}`);
    if (!this.registry.push.blobHomes.has(digest)) this.registry.push.blobHomes.set(digest, this.repository);
  }

  private request(
    method: string,
    pathOrUrl: string,
    init: { body?: Buffer; headers?: Record<string, string> } = {},
    mountFrom?: string,
  ) {
    const headers: Record<string, string> = { ...init.headers };
    const authorization = this.registry.push.authorization(this.repository, this.user, mountFrom);
    if (authorization) headers.authorization = authorization;
    return fetch(new URL(pathOrUrl, this.registry.url), {
      method,
      headers,
      body: init.body,
      dispatcher: this.registry.push.dispatcher,
    });
  }
}

async function expectStatus(response: Awaited<ReturnType<typeof fetch>>, status: number, action: string): Promise<void> {
  if (response.status === status) {
    await response.body?.cancel();
    return;
  }
  const body = await response.text().catch(() => '');
  throw new Error(`${action}: HTTP ${response.status} ${body.slice(0, 500)}`);
}

function imageConfig(platform: Platform, created: Date): Buffer {
  return json({
    created: created.toISOString(),
    architecture: platform.arch,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: {},
    rootfs: { type: 'layers', diff_ids: [LAYER_DIFF_ID] },
    history: [{ created: created.toISOString(), created_by: 'image-updater test harness' }],
  });
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
