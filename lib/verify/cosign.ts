// Cosign's key-based image signatures, read and checked without I/O: where a signature lives (the
// `sha256-<hex>.sig` tag, or a referrer of artifact type cosign-sig), which layers of a signature
// manifest carry one, what the signed simple-signing payload must say, and whether a signature
// verifies against a PEM public key (ECDSA, RSA PKCS#1 v1.5 or Ed25519; SHA-256).
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import * as z from '../zod';
import { DigestSchema } from '../registry/schema';

export const COSIGN = {
  /** The media type of a signature layer: its blob is the signed simple-signing payload. */
  simpleSigningLayer: 'application/vnd.dev.cosign.simplesigning.v1+json',
  /** The layer annotation holding the base64 signature over the layer's blob. */
  signatureAnnotation: 'dev.cosignproject.cosign/signature',
  /** The artifact type of a signature manifest found through the OCI referrers API. */
  signatureArtifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
  payloadType: 'cosign container image signature',
} as const;

/** The most signature layers (or referrers) read for one image: their writers are not trusted. */
export const MAX_SIGNATURES_PER_IMAGE = 5;

/** A parsed public key, or why the text is none. */
export function readPublicKey(pem: string): { key: KeyObject } | { error: string } {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    return { error: 'is not a PEM-encoded public key' };
  }
  const type = key.asymmetricKeyType;
  if (type === 'ec' || type === 'rsa' || type === 'ed25519') return { key };
  return { error: `holds a ${type ?? 'unknown'} key; expected ECDSA, RSA or Ed25519` };
}

/** Cosign's own tags (signatures, attestations, SBOMs): never an image to deploy. */
export function isCosignArtifactTag(tag: string): boolean {
  return /^sha256-[0-9a-f]{64}\.(?:sig|att|sbom)$/.test(tag);
}

/** The tag under which cosign stores the signatures of `digest` (`sha256:abc` → `sha256-abc.sig`). */
export function signatureTag(digest: string): string {
  return `${digest.replace(':', '-')}.sig`;
}

export interface SignatureLayer {
  /** The payload blob's descriptor. */
  digest: string;
  size?: number;
  /** Base64, as the annotation carries it. */
  signature: string;
}

const SignatureManifestSchema = z.object({
  layers: z.optional(
    z.array(
      z.object({
        mediaType: z.optional(z.string()),
        digest: DigestSchema,
        size: z.optional(z.number().check(z.int(), z.nonnegative())),
        annotations: z.optional(z.record(z.string(), z.string())),
      }),
    ),
  ),
});

/** The signed layers of a cosign signature manifest, at most MAX_SIGNATURES_PER_IMAGE. */
export function signatureLayers(document: unknown): SignatureLayer[] {
  const parsed = SignatureManifestSchema.safeParse(document);
  if (!parsed.success) return [];
  return (parsed.data.layers ?? [])
    .flatMap((layer) => {
      const signature = layer.annotations?.[COSIGN.signatureAnnotation];
      if (layer.mediaType !== COSIGN.simpleSigningLayer || !signature) return [];
      return [{ digest: layer.digest, ...(layer.size !== undefined && { size: layer.size }), signature }];
    })
    .slice(0, MAX_SIGNATURES_PER_IMAGE);
}

const ReferrersSchema = z.object({
  manifests: z.array(z.object({ digest: DigestSchema, artifactType: z.optional(z.string()) })),
});

/** The digests of the cosign signature manifests an OCI referrers index lists, at most MAX_SIGNATURES_PER_IMAGE. */
export function signatureReferrers(document: unknown): string[] {
  const parsed = ReferrersSchema.safeParse(document);
  if (!parsed.success) return [];
  return parsed.data.manifests
    .filter((entry) => entry.artifactType === COSIGN.signatureArtifactType)
    .map((entry) => entry.digest)
    .slice(0, MAX_SIGNATURES_PER_IMAGE);
}

const SimpleSigningSchema = z.object({
  critical: z.object({
    type: z.string(),
    image: z.object({ 'docker-manifest-digest': z.string() }),
  }),
});

export type SignatureCheck = { valid: true } | { valid: false; reason: string };

/**
 * Whether `signature` (base64) over `payload` verifies with `key`, and the payload is a cosign
 * signature of the image `imageDigest`. The reasons name what failed, never the key.
 */
export function checkSignature(payload: Buffer, signature: string, key: KeyObject, imageDigest: string): SignatureCheck {
  const bytes = Buffer.from(signature, 'base64');
  if (bytes.length === 0) return { valid: false, reason: 'the signature annotation is not base64' };
  // Ed25519 hashes internally; ECDSA (DER-encoded, as cosign writes it) and RSA sign SHA-256.
  const algorithm = key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
  let verified: boolean;
  try {
    verified = verify(algorithm, payload, key, bytes);
  } catch {
    verified = false;
  }
  if (!verified) return { valid: false, reason: 'the signature does not verify with the configured public key' };
  let document: unknown;
  try {
    document = JSON.parse(payload.toString('utf8'));
  } catch {
    return { valid: false, reason: 'the signed payload is not JSON' };
  }
  const parsed = SimpleSigningSchema.safeParse(document);
  if (!parsed.success) return { valid: false, reason: 'the signed payload is not a simple-signing document' };
  const { type, image } = parsed.data.critical;
  if (type !== COSIGN.payloadType) return { valid: false, reason: `the signed payload's type is ${JSON.stringify(type.slice(0, 80))}` };
  const named = image['docker-manifest-digest'];
  if (named !== imageDigest) return { valid: false, reason: `the signed payload names digest ${JSON.stringify(named.slice(0, 80))}, not ${imageDigest}` };
  return { valid: true };
}
