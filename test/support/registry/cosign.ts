// Cosign signatures made the way `cosign sign --key` makes them, with Node's crypto: a simple-signing
// payload naming the image digest, signed (ECDSA P-256 + SHA-256 by default, DER-encoded), pushed as
// a signature manifest under the `sha256-<hex>.sig` tag, or by digest as a referrer of the image.
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { RunningRegistry } from './registry-server';
import { pushArtifact } from './push';

export interface CosignKeys {
  privateKey: KeyObject;
  /** PEM (SPKI), as `cosign.pub`. */
  publicKeyPem: string;
}

export function cosignKeys(type: 'ec' | 'rsa' | 'ed25519' = 'ec'): CosignKeys {
  const pair =
    type === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : type === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : generateKeyPairSync('ed25519');
  return { privateKey: pair.privateKey, publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

export interface SignOptions {
  /** The digest the payload names; default the signed image's (another one makes a payload for the wrong image). */
  payloadDigest?: string;
  /** Pushed by digest with the image as subject, found only through the referrers API. */
  asReferrer?: boolean;
}

export interface PushedSignature {
  /** The signature manifest's descriptor, as a referrers index lists it. */
  descriptor: { mediaType: string; digest: string; size: number; artifactType: string };
}

const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
const SIGNATURE_ARTIFACT = 'application/vnd.dev.cosign.artifact.sig.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

export async function pushCosignSignature(
  registry: RunningRegistry,
  repository: string,
  imageDigest: string,
  keys: CosignKeys,
  options: SignOptions = {},
): Promise<PushedSignature> {
  const payload = Buffer.from(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': `${registry.host}/${repository}` },
        image: { 'docker-manifest-digest': options.payloadDigest ?? imageDigest },
        type: 'cosign container image signature',
      },
      optional: null,
    }),
  );
  const algorithm = keys.privateKey.asymmetricKeyType === 'ed25519' ? null : 'sha256';
  const signature = sign(algorithm, payload, keys.privateKey).toString('base64');
  const tag = options.asReferrer ? undefined : `${imageDigest.replace(':', '-')}.sig`;
  const subject = options.asReferrer ? { mediaType: OCI_MANIFEST, digest: imageDigest, size: 0 } : undefined;
  const { digest, size } = await pushArtifact(registry, repository, tag, {
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', bytes: Buffer.from('{"architecture":"","os":"","config":{},"rootfs":{"type":"layers","diff_ids":[]}}') },
    layers: [{ mediaType: SIMPLE_SIGNING, bytes: payload, annotations: { 'dev.cosignproject.cosign/signature': signature } }],
    ...(options.asReferrer && { artifactType: SIGNATURE_ARTIFACT }),
    ...(subject && { subject }),
  });
  return { descriptor: { mediaType: OCI_MANIFEST, digest, size, artifactType: SIGNATURE_ARTIFACT } };
}
