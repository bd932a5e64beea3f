// What Argo CD Image Updater v0.17 sends to the registry for the same applications in one cycle,
// from its documented behaviour (reference notes (c) and (d)) and its registry-scanner source:
// - every application image, every cycle: `GetTags` calls `NewRepository`, which pings `/v2/` with a
//   fresh challenge manager and a fresh token handler (so one token per image with Bearer auth),
//   then lists the tags with no `n=` (one page from distribution);
// - digest: `ManifestForTag` of the constraint tag, then `TagMetadata`, which reads the config blob
//   of a single-arch image to check its platform; never cached;
// - newest-build: manifest GET + config blob GET per surviving tag, cached per repository and tag
//   forever: a cold cache pays once per distinct tag (sequential warm-up; concurrent apps can only
//   add), a warm one nothing;
// - semver and alphabetical: the tag list only.
import { emptyCounts, type RequestCounts } from '../counts';
import { distinct, newestBuildTags, type ModelInput } from './inputs';

export function referenceRequests(input: ModelInput): RequestCounts {
  const counts = emptyCounts();
  const { images } = input;
  counts.ping = images.length;
  counts.token = input.tokenAuth ? images.length : 0;
  counts.tags = images.length * input.pagesPerTagList;
  const digestImages = images.filter((image) => image.strategy === 'digest').length;
  const metadataTags = input.phase === 'cold' ? newestBuildTags(images) : 0;
  counts['manifest-get'] = digestImages + metadataTags;
  counts.blob = digestImages + metadataTags;
  return counts;
}

/**
 * A lower bound on the reference that counts the ping once per cycle and a token once per distinct
 * repository (the least a repository-scoped token allows), as if clients were reused across images.
 */
export function referenceLowerBound(input: ModelInput): RequestCounts {
  const counts = referenceRequests(input);
  counts.ping = 1;
  counts.token = input.tokenAuth ? distinct(input.images, (image) => image.repository) : 0;
  return counts;
}
