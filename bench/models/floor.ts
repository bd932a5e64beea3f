// The fewest registry requests any updater needs for the same applications in one cycle:
// - one ping (the challenge), and on a cold cycle one token per distinct repository; on a warm
//   cycle the tokens of the previous one (300 s lifetime, one cycle a minute) are still valid;
// - one tag-list pass per distinct repository, every cycle (tags may have been pushed);
// - newest-build: manifest GET + config GET for each surviving tag not yet known: all of them on a
//   cold cycle, none on a warm one (build metadata of a tag does not change);
// - digest: one manifest HEAD per distinct (repository, tracked tag) every cycle (the tag moves);
// - semver and alphabetical: nothing beyond the tag list.
import { emptyCounts, type RequestCounts } from '../counts';
import { distinct, newestBuildTags, type ModelInput } from './inputs';

export function floorRequests(input: ModelInput): RequestCounts {
  const counts = emptyCounts();
  const { images } = input;
  const repositories = distinct(images, (image) => image.repository);
  counts.ping = 1;
  counts.token = input.tokenAuth && input.phase === 'cold' ? repositories : 0;
  counts.tags = repositories * input.pagesPerTagList;
  const digestTags = distinct(
    images.filter((image) => image.strategy === 'digest'),
    (image) => `${image.repository}:${image.trackedTag ?? ''}`,
  );
  counts['manifest-head'] = digestTags;
  const metadataTags = input.phase === 'cold' ? newestBuildTags(images) : 0;
  counts['manifest-get'] = metadataTags;
  counts.blob = metadataTags;
  return counts;
}
