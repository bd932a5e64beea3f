// Which running image an image-list entry stands for: the reference only updates images it can see
// in `status.summary.images`, unless force-update says to update anyway.
import type { Application, ImageRef, ImageSpecification } from '../model';
import { parseImageReference, sameImageName } from './reference';

/**
 * The running image for `spec`, matched on registry and name (tags ignored; `docker.io/x` is not
 * `x`). The `kustomize.image-name` image is tried first. When several running images match, the
 * digest strategy prefers the one running its tracked tag: two aliases of one repository tracking
 * different tags would otherwise read each other's digest and update forever (AIU issue #1547).
 * With force-update and no match, the image-list image without tag, so the first run updates.
 */
export function liveImageFor(spec: ImageSpecification, app: Application): ImageRef | undefined {
  const running = (app.status?.summary?.images ?? []).flatMap(parseOrSkip);
  const wanted = [...(spec.kustomizeImageName ? parseOrSkip(spec.kustomizeImageName) : []), spec.image];
  for (const image of wanted) {
    const matches = running.filter((candidate) => sameImageName(candidate, image));
    const tracked = spec.strategy === 'digest' ? matches.find((candidate) => candidate.tag === spec.constraint) : undefined;
    const match = tracked ?? matches[0];
    if (match) return match;
  }
  return spec.forceUpdate ? { registry: spec.image.registry, name: spec.image.name } : undefined;
}

/** Argo CD may list images this parser cannot read; they match nothing. */
function parseOrSkip(text: string): ImageRef[] {
  try {
    return [parseImageReference(text)];
  } catch {
    return [];
  }
}
