// What the request models are computed from: the same tracked images the cycle sees.
import type { TrackedImage } from '../workload/applications';

export type Phase = 'cold' | 'warm';

export interface ModelInput {
  images: readonly TrackedImage[];
  /** The registry asks for a Bearer token per repository scope. */
  tokenAuth: boolean;
  /** Pages one full tag list takes (distribution 2.8 ignores `n` and sends every tag at once). */
  pagesPerTagList: number;
  phase: Phase;
}

export function distinct<T>(items: readonly T[], key: (item: T) => string): number {
  return new Set(items.map(key)).size;
}

/** Distinct (repository, tag) pairs whose build metadata newest-build images need. */
export function newestBuildTags(images: readonly TrackedImage[]): number {
  const pairs = images
    .filter((image) => image.strategy === 'newest-build')
    .flatMap((image) => image.candidateTags.map((tag) => `${image.repository}:${tag}`));
  return new Set(pairs).size;
}
