// The tags an image may move to before any metadata is read: `allow-tags` and `ignore-tags`, then
// the strategy's own test (a semver constraint, a digest's tag). Images that track one repository
// with the same settings share the answer: 1,000 apps over 100 repositories work through each tag
// list a few times per run, not once per image.
import type { ImageSpecification } from '../model';
import { filterTags } from './filters';
import { isCosignArtifactTag } from '../verify/cosign';
import { strategyFor } from './strategy';

export interface Eligibility {
  /** Tags left after allow-tags and ignore-tags. */
  afterFilters: number;
  /** Shared by every image with the same settings: never changed in place. */
  eligible: readonly string[];
}

type EligibilitySettings = Pick<ImageSpecification, 'strategy' | 'constraint' | 'allowTags' | 'allowsTag' | 'ignoreTags'>;

/** Keyed by the tag list itself: an answer lives as long as the list it was computed from. */
const byTagList = new WeakMap<readonly string[], Map<string, Eligibility>>();

/**
 * `withoutSignatureArtifacts`: where signatures are checked, cosign's `sha256-<hex>.sig` (and
 * `.att`, `.sbom`) tags sit in the repository; they are never candidates.
 */
export function eligibleTags(tags: readonly string[], spec: EligibilitySettings, withoutSignatureArtifacts = false): Eligibility {
  // allowsTag is compiled from allowTags, so the texts identify the whole computation.
  const key = JSON.stringify([spec.strategy, spec.constraint ?? null, spec.allowTags ?? null, spec.ignoreTags, withoutSignatureArtifacts]);
  let answers = byTagList.get(tags);
  if (!answers) {
    answers = new Map();
    byTagList.set(tags, answers);
  }
  let answer = answers.get(key);
  if (!answer) {
    const filtered = filterTags(withoutSignatureArtifacts ? tags.filter((tag) => !isCosignArtifactTag(tag)) : [...tags], spec);
    answer = { afterFilters: filtered.length, eligible: strategyFor(spec.strategy).eligible(filtered, spec.constraint) };
    answers.set(key, answer);
  }
  return answer;
}
