// Resolution of one tracked image: tag list → allow/ignore filters → the strategy's eligible tags →
// only the metadata that strategy needs → its pick → whether the running image must change.
import type { ImageRef, ImageSpecification, Platform, TagCandidate } from '../model';
import { eligibleTags } from '../policy/eligible';
import { picksInOrder } from '../policy/picks';
import { strategyFor, type Strategy } from '../policy/strategy';
import { chosenImage, needsUpdate } from '../policy/update';
import { NoMatchingPlatformError } from '../registry/errors';
import { formatPlatform, platformMatches } from '../registry/platform';
import { mapLimited } from '../map-limited';
import type { SignatureGate } from '../verify/image-signatures';
import type { RepositoryView } from './registry-access';

export type Resolution =
  | { kind: 'update'; newImage: ImageRef; candidate: TagCandidate; unsigned?: UnsignedTag[] }
  /** `image`: the running image under the image-list name, as the spec should name it. */
  | { kind: 'current'; image: ImageRef; reason: string; unsigned?: UnsignedTag[] }
  | { kind: 'none'; reason: string; unsigned?: UnsignedTag[] };

/** A tag the strategy picked and passed over because its signature did not verify. */
export interface UnsignedTag {
  tag: string;
  reason: string;
}

/**
 * The most picks whose signatures are checked for one image: a repository full of unsigned tags
 * (its writers are not trusted) costs a bounded number of requests.
 */
export const MAX_SIGNATURE_CANDIDATES = 5;

/** Tags whose metadata is fetched at the same time for one image (the reference uses 20). */
const METADATA_CONCURRENCY = 8;

/**
 * With `signatures`, a pick that would change the running image is written only when its signature
 * verifies; otherwise the strategy's next pick is tried, up to MAX_SIGNATURE_CANDIDATES of them.
 */
export async function resolveImage(spec: ImageSpecification, live: ImageRef, repository: RepositoryView, signatures?: SignatureGate): Promise<Resolution> {
  const tags = await repository.tags();
  const { afterFilters, eligible } = eligibleTags(tags, spec, signatures !== undefined);
  if (eligible.length === 0) {
    return { kind: 'none', reason: noCandidateReason(spec, tags.length, afterFilters) };
  }
  const strategy = strategyFor(spec.strategy);
  const candidates = await withMetadata(strategy, eligible, spec.platforms, repository);
  // Metadata already showed each candidate's platforms; otherwise the picks are checked best first,
  // which usually stops at the first.
  const checkedPlatforms = strategy.needs === 'digest' || strategy.needs === 'build-time';
  const unsigned: UnsignedTag[] = [];
  for (const best of picksInOrder(strategy, candidates, spec.constraint)) {
    if (!checkedPlatforms && !(await offersWantedPlatform(best, spec, repository))) continue;
    if (!needsUpdate(live, best, spec.strategy, spec)) {
      return { kind: 'current', image: chosenImage(spec, live, best), reason: 'running image is the one the strategy picks', ...withUnsigned(unsigned) };
    }
    const verdict = signatures ? await signatures(best) : undefined;
    if (!verdict || verdict.verified) {
      return { kind: 'update', newImage: chosenImage(spec, live, best), candidate: best, ...withUnsigned(unsigned) };
    }
    unsigned.push({ tag: best.tag, reason: verdict.reason });
    if (unsigned.length >= MAX_SIGNATURE_CANDIDATES) break;
  }
  if (unsigned.length > 0) {
    const bounded = unsigned.length >= MAX_SIGNATURE_CANDIDATES ? ` (at most ${MAX_SIGNATURE_CANDIDATES} are checked)` : '';
    const names = unsigned.map((entry) => entry.tag).join(', ');
    return { kind: 'none', reason: `no valid cosign signature on the tag(s) the strategy picks: ${names}${bounded}`, unsigned };
  }
  return { kind: 'none', reason: noOfferingReason(spec, tags.length) };
}

function withUnsigned(unsigned: UnsignedTag[]): { unsigned?: UnsignedTag[] } {
  return unsigned.length > 0 ? { unsigned } : {};
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

/** Tag names and push times come without platforms: the pick's manifest shows them. */
async function offersWantedPlatform(candidate: TagCandidate, spec: ImageSpecification, repository: RepositoryView): Promise<boolean> {
  const wanted = spec.platforms;
  if (!wanted) return true;
  const { platforms } = await repository.manifest(candidate.tag);
  return platforms.some((offered) => platformMatches(offered, wanted));
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
