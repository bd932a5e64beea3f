// Whether an image digest carries a cosign signature by a given key, read through the repository's
// registry client (its credentials, egress rules, size caps, timeouts and request count): the
// signature manifests the OCI referrers API lists, where the registry offers it, then the legacy
// `sha256-<hex>.sig` tag. At most MAX_SIGNATURES_PER_IMAGE signatures (and as many referred
// manifests, plus the tag's) are read per digest.
import type { KeyObject } from 'node:crypto';
import type { TagCandidate } from '../model';
import { BODY_LIMITS } from '../registry/body-limit';
import { RegistryError } from '../registry/errors';
import type { RepositoryView } from '../resolve/registry-access';
import { checkSignature, MAX_SIGNATURES_PER_IMAGE, signatureLayers, signatureReferrers, signatureTag, type SignatureLayer } from './cosign';

export type SignatureVerdict = { verified: true; digest: string } | { verified: false; reason: string };

/** Checks a candidate tag: its digest (from the strategy's metadata, or one HEAD) must be signed by `key`. */
export type SignatureGate = (candidate: TagCandidate) => Promise<SignatureVerdict>;

export function signatureGate(repository: RepositoryView, key: KeyObject): SignatureGate {
  return async (candidate) => {
    const digest = candidate.digest ?? (await repository.digestOf(candidate.tag));
    return verifyImageSignature(repository, digest, key);
  };
}

/**
 * Signature manifests are read in order (the referrers first, then the tag) and each signature is
 * checked as it comes: the first that verifies ends the search.
 */
export async function verifyImageSignature(repository: RepositoryView, digest: string, key: KeyObject): Promise<SignatureVerdict> {
  const reasons = new Set<string>();
  let checked = 0;
  const manifests = [...signatureReferrers(await referrersIndex(repository, digest)), signatureTag(digest)];
  for (const reference of manifests) {
    const manifest = await repository.artifactManifest(reference);
    for (const layer of manifest ? signatureLayers(manifest.document) : []) {
      if (checked >= MAX_SIGNATURES_PER_IMAGE) break;
      checked++;
      const reason = await checkLayer(repository, layer, key, digest);
      if (reason === undefined) return { verified: true, digest };
      reasons.add(reason);
    }
    if (checked >= MAX_SIGNATURES_PER_IMAGE) break;
  }
  if (checked === 0) {
    return { verified: false, reason: `no cosign signature of ${digest} (no ${signatureTag(digest)} tag, no signature referrer)` };
  }
  return { verified: false, reason: `no valid cosign signature of ${digest}: ${[...reasons].join('; ')}` };
}

/** The referrers index; undefined when the registry does not offer the API (it answers 4xx). */
async function referrersIndex(repository: RepositoryView, digest: string): Promise<unknown> {
  try {
    return await repository.referrers(digest);
  } catch (error) {
    const status = error instanceof RegistryError ? error.status : undefined;
    if (status !== undefined && status >= 400 && status < 500 && status !== 401 && status !== 429) return undefined;
    throw error;
  }
}

/** Undefined when the layer's signature verifies; otherwise why not. */
async function checkLayer(repository: RepositoryView, layer: SignatureLayer, key: KeyObject, digest: string): Promise<string | undefined> {
  const limit = BODY_LIMITS.signaturePayload;
  if (layer.size !== undefined && layer.size > limit) return `a signed payload of ${layer.size} bytes is larger than this client reads`;
  const payload = await repository.smallBlob(layer.digest, limit);
  const check = checkSignature(payload, layer.signature, key, digest);
  return check.valid ? undefined : check.reason;
}
