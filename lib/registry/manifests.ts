// Manifest media types and the reading of manifests and image configs into what the client
// reports: the platforms of an image or of an index's children, the config to fetch, `created`.
import type { Platform } from '../model';
import {
  ImageConfigSchema,
  ImageIndexSchema,
  ImageManifestSchema,
  ManifestKindSchema,
  SchemaV1ManifestSchema,
} from './schema';

export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerV1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  dockerV1: 'application/vnd.docker.distribution.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
} as const;

/** The reference's Accept list (d10), most preferred first. */
export const MANIFEST_ACCEPT = [
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.dockerManifestList,
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.dockerManifest,
  MEDIA_TYPES.dockerV1Signed,
].join(', ');

const INDEX_TYPES = new Set<string>([MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifestList]);
const IMAGE_TYPES = new Set<string>([MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest]);
const V1_TYPES = new Set<string>([MEDIA_TYPES.dockerV1Signed, MEDIA_TYPES.dockerV1]);
const IMAGE_CONFIG_TYPES = new Set<string>([MEDIA_TYPES.ociConfig, MEDIA_TYPES.dockerConfig]);

export interface IndexChild {
  digest: string;
  platform: Platform;
}

export type ParsedManifest =
  | { kind: 'index'; mediaType: string; children: IndexChild[] }
  /** `configDigest` is undefined for artifacts whose config is not an image config. */
  | { kind: 'image'; mediaType: string; configDigest?: string }
  | { kind: 'v1'; mediaType: string; config: ImageConfig };

export interface ImageConfig {
  platform?: Platform;
  created?: Date;
}

/** Throws an Error with the reason when the bytes are no manifest this client understands. */
export function parseManifest(bytes: Buffer, contentType: string | null): ParsedManifest {
  const document = parseJson(bytes, 'manifest');
  const kind = ManifestKindSchema.safeParse(document);
  if (!kind.success) throw new Error('manifest is not a JSON object with schemaVersion');
  const mediaType = detectMediaType(kind.data, contentType);

  if (INDEX_TYPES.has(mediaType)) {
    const index = ImageIndexSchema.safeParse(document);
    if (!index.success) throw new Error(`invalid ${mediaType}: ${index.error.issues[0]?.message ?? ''}`);
    const children: IndexChild[] = [];
    for (const entry of index.data.manifests) {
      // Attestations (BuildKit provenance, SBOM) sit in the index as `unknown/unknown` images.
      if (!entry.platform || entry.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') continue;
      children.push({ digest: entry.digest, platform: toPlatform(entry.platform) });
    }
    return { kind: 'index', mediaType, children };
  }
  if (IMAGE_TYPES.has(mediaType)) {
    const manifest = ImageManifestSchema.safeParse(document);
    if (!manifest.success) throw new Error(`invalid ${mediaType}: ${manifest.error.issues[0]?.message ?? ''}`);
    const configType = manifest.data.config.mediaType;
    return configType === undefined || IMAGE_CONFIG_TYPES.has(configType)
      ? { kind: 'image', mediaType, configDigest: manifest.data.config.digest }
      : { kind: 'image', mediaType };
  }
  if (V1_TYPES.has(mediaType)) {
    const manifest = SchemaV1ManifestSchema.safeParse(document);
    if (!manifest.success) throw new Error(`invalid ${mediaType}: ${manifest.error.issues[0]?.message ?? ''}`);
    // The newest layer's v1Compatibility carries the image's config.
    const newest = manifest.data.history?.[0]?.v1Compatibility;
    const config = newest === undefined ? {} : parseImageConfig(Buffer.from(newest));
    if (!config.platform && manifest.data.architecture) config.platform = { os: 'linux', arch: manifest.data.architecture };
    return { kind: 'v1', mediaType, config };
  }
  throw new Error(`unsupported manifest media type ${mediaType}`);
}

/** `created` (RFC 3339, as the reference requires) and the platform of an image config. */
export function parseImageConfig(bytes: Buffer): ImageConfig {
  const parsed = ImageConfigSchema.safeParse(parseJson(bytes, 'image config'));
  if (!parsed.success) throw new Error('image config is not a JSON object');
  const config: ImageConfig = {};
  const { os, architecture, variant, created } = parsed.data;
  if (os && architecture) config.platform = toPlatform({ os, architecture, variant });
  if (created !== undefined) config.created = parseRfc3339(created);
  return config;
}

function parseRfc3339(text: string): Date {
  const valid = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/.test(text);
  // Date keeps milliseconds; finer digits (Go writes nanoseconds) are cut off first.
  const date = valid ? new Date(text.replace(/(\.\d{3})\d+/, '$1')) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw new Error(`created ${JSON.stringify(text)} is not an RFC 3339 time`);
  return date;
}

function detectMediaType(document: { schemaVersion: number; mediaType?: string; manifests?: unknown[]; config?: unknown }, contentType: string | null): string {
  if (document.mediaType) return document.mediaType;
  const header = contentType?.split(';')[0]?.trim().toLowerCase();
  if (header && (INDEX_TYPES.has(header) || IMAGE_TYPES.has(header) || V1_TYPES.has(header))) return header;
  if (document.schemaVersion === 1) return MEDIA_TYPES.dockerV1Signed;
  // OCI allows an index or a manifest without a mediaType field.
  if (document.manifests !== undefined) return MEDIA_TYPES.ociIndex;
  if (document.config !== undefined) return MEDIA_TYPES.ociManifest;
  return header ?? 'unknown';
}

function toPlatform(platform: { os: string; architecture: string; variant?: string | undefined }): Platform {
  const result: Platform = { os: platform.os, arch: platform.architecture };
  if (platform.variant) result.variant = platform.variant;
  return result;
}

function parseJson(bytes: Buffer, what: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new Error(`${what} is not valid JSON`);
  }
}
