// Resolution of one tracked image: tag list → allow/ignore filters → the strategy's eligible tags →
// only the metadata that strategy needs → its pick → whether the running image must change.
import type { ImageRef, ImageSpecification, Platform, TagCandidate } from '../model';
import { eligibleTags } from '../policy/eligible';
import { strategyFor, type Strategy } from '../policy/strategy';
import { chosenImage, needsUpdate } from '../policy/update';
import { NoMatchingPlatformError } from '../registry/errors';
import { formatPlatform, platformMatches } from '../registry/platform';
import { mapLimited } from '../map-limited';
import type { RepositoryView } from './registry-access';

export type Resolution =
  | { kind: 'update'; newImage: ImageRef; candidate: TagCandidate }
  /** `image`: the running image under the image-list name, as the spec should name it. */
  | { kind: 'current'; image: ImageRef; reason: string }
  | { kind: 'none'; reason: string };

/** Tags whose metadata is fetched at the same time for one image (the reference uses 20). */
const METADATA_CONCURRENCY = 8;

export async function resolveImage(spec: ImageSpecification, live: ImageRef, repository: RepositoryView): Promise<Resolution> {
  const tags = await repository.tags();
  const { afterFilters, eligible } = eligibleTags(tags, spec);
  if (eligible.length === 0) {
    return { kind: 'none', reason: noCandidateReason(spec, tags.length, afterFilters) };
  }
  const strategy = strategyFor(spec.strategy);
  const candidates = await withMetadata(strategy, eligible, spec.platforms, repository);
  // Metadata already showed each candidate's platforms; otherwise the picks are checked best first.
  const checkedPlatforms = strategy.needs === 'digest' || strategy.needs === 'build-time';
  const best = checkedPlatforms ? strategy.select(candidates, spec.constraint) : await selectOffering(strategy, candidates, spec, repository);
  if (!best) return { kind: 'none', reason: noOfferingReason(spec, tags.length) };
  if (!needsUpdate(live, best, spec.strategy, spec)) {
    return { kind: 'current', image: chosenImage(spec, live, best), reason: 'running image is the one the strategy picks' };
  }
  return { kind: 'update', newImage: chosenImage(spec, live, best), candidate: best };
}

async function withMetadata(strategy: Strategy, tags: readonly string[], platforms: Platform[] | undefined, repository: RepositoryView): Promise<TagCandidate[]> {
  switch (strategy.needs) {
    case 'nothing':
      return tags.map((tag) => ({ tag }));
    case 'digest':
      return offering(
        await mapLimited(tags, METADATA_CONCURRENCY, async (tag) => {
          const digest = await digestFor(tag, platforms, repository);
          return digest === undefined ? undefined : { tag, digest };
        }),
      );
    case 'build-time':
      return offering(
        await mapLimited(tags, METADATA_CONCURRENCY, async (tag) => {
          const metadata = await repository.metadata(tag, platforms).catch(passOver);
          return metadata && { tag, digest: metadata.digest, created: metadata.created };
        }),
      );
    case 'push-time': {
      if (!repository.pushTimes) {
        throw new Error(
          `strategy newest-push needs a registry that records push times (Amazon ECR); ${repository.endpoint.apiUrl} does not`,
        );
      }
      const pushTimes = await repository.pushTimes();
      return tags.flatMap((tag) => {
        const pushedAt = pushTimes.get(tag);
        return pushedAt ? [{ tag, pushedAt }] : [];
      });
    }
  }
}

/** As the reference does, a tag without a wanted platform is passed over, not an error. */
function passOver(error: unknown): undefined {
  if (error instanceof NoMatchingPlatformError) return undefined;
  throw error;
}

function offering(candidates: (TagCandidate | undefined)[]): TagCandidate[] {
  return candidates.filter((candidate) => candidate !== undefined);
}

/**
 * The strategy's pick that offers a wanted platform. Tag names and push times come without
 * platforms, so the manifests of the picks are read best first, which usually stops at the first.
 */
async function selectOffering(strategy: Strategy, candidates: TagCandidate[], spec: ImageSpecification, repository: RepositoryView): Promise<TagCandidate | undefined> {
  let remaining = candidates;
  for (;;) {
    const best = strategy.select(remaining, spec.constraint);
    if (!best || !spec.platforms) return best;
    const wanted = spec.platforms;
    const { platforms } = await repository.manifest(best.tag);
    if (platforms.some((offered) => platformMatches(offered, wanted))) return best;
    remaining = remaining.filter((candidate) => candidate !== best);
  }
}

/**
 * HEAD is enough when any platform will do; otherwise the manifest must show a wanted platform,
 * and a tag without one is passed over (undefined).
 */
async function digestFor(tag: string, platforms: Platform[] | undefined, repository: RepositoryView): Promise<string | undefined> {
  if (!platforms) return repository.digestOf(tag);
  const manifest = await repository.manifest(tag);
  return manifest.platforms.some((offered) => platformMatches(offered, platforms)) ? manifest.digest : undefined;
}

function noOfferingReason(spec: ImageSpecification, total: number): string {
  if (spec.platforms) return `no candidate tag of ${total} offers platform ${spec.platforms.map(formatPlatform).join(', ')}`;
  return `no tag of ${total} has the metadata strategy ${spec.strategy} needs`;
}

function noCandidateReason(spec: ImageSpecification, total: number, afterFilters: number): string {
  if (total === 0) return 'the repository has no tags';
  if (afterFilters === 0) return `none of ${total} tags passes allow-tags/ignore-tags`;
  if (spec.strategy === 'digest') return `tag ${JSON.stringify(spec.constraint)} is not in the repository`;
  if (spec.strategy === 'semver') {
    return `no semver tag of ${afterFilters} satisfies ${spec.constraint ? JSON.stringify(spec.constraint) : 'any release'}`;
  }
  return `no suitable tag among ${afterFilters}`;
}
