// Whether the running image must change, and to what.
import type { ImageRef, ImageSpecification, StrategyName, TagCandidate } from '../model';
import { sameImageName } from '../image/reference';

/**
 * True when `candidate` differs from the running image. The digest strategy compares digests (a
 * running image without one always updates); the others compare tags, so a running `1.2@sha256:…`
 * stays as it is when 1.2 is still the pick. With a `kustomize.image-name`, a running image under
 * the original name also updates, even at the same tag, so the override gets written.
 * A running tag that is not a version is not an error: the reference (v0.x) fails there, its v1 line does not.
 */
export function needsUpdate(
  live: ImageRef,
  candidate: TagCandidate,
  strategy: StrategyName,
  spec?: Pick<ImageSpecification, 'image' | 'kustomizeImageName'>,
): boolean {
  const differs = strategy === 'digest' ? !live.digest || live.digest !== candidate.digest : live.tag !== candidate.tag;
  return differs || (spec?.kustomizeImageName !== undefined && !sameImageName(spec.image, live));
}

/**
 * The image the application should name for `spec`: the image-list registry and name with the
 * candidate's tag (and digest, for the digest strategy) when `needsUpdate` says so; otherwise with
 * the running tag and digest. The reference writes up-to-date images back this way too, so the
 * written spec names every tracked image.
 */
export function chosenImage(spec: ImageSpecification, live: ImageRef, candidate: TagCandidate): ImageRef {
  const { registry, name } = spec.image;
  if (!needsUpdate(live, candidate, spec.strategy, spec)) {
    return { registry, name, ...(live.tag && { tag: live.tag }), ...(live.digest && { digest: live.digest }) };
  }
  const digest = spec.strategy === 'digest' ? candidate.digest : undefined;
  return { registry, name, tag: candidate.tag, ...(digest && { digest }) };
}
