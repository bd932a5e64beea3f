// Resolution of one tracked image: tag list → allow/ignore filters → the strategy's eligible tags →
// only the metadata that strategy needs → its pick → whether the running image must change.
import type { ImageRef, ImageSpecification, Platform, TagCandidate } from '../model';
import { filterTags } from '../policy/filters';
import { strategyFor, type Strategy } from '../policy/strategy';
import { chosenImage, needsUpdate } from '../policy/update';
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
  const filtered = filterTags(tags, spec);
  const strategy = strategyFor(spec.strategy);
  const eligible = strategy.eligible(filtered, spec.constraint);
  if (eligible.length === 0) {
    return { kind: 'none', reason: noCandidateReason(spec, tags.length, filtered.length) };
  }
  const candidates = await withMetadata(strategy, eligible, spec.platforms, repository);
  const best =
    strategy.needs === 'push-time' ? await selectOffering(strategy, candidates, spec, repository) : strategy.select(candidates, spec.constraint);
  if (!best) return { kind: 'none', reason: `no tag of ${tags.length} has the metadata strategy ${spec.strategy} needs` };
  if (!needsUpdate(live, best, spec.strategy, spec)) {
    return { kind: 'current', image: chosenImage(spec, live, best), reason: 'running image is the one the strategy picks' };
  }
  return { kind: 'update', newImage: chosenImage(spec, live, best), candidate: best };
}

async function withMetadata(strategy: Strategy, tags: string[], platforms: Platform[] | undefined, repository: RepositoryView): Promise<TagCandidate[]> {
  switch (strategy.needs) {
    case 'nothing':
      return tags.map((tag) => ({ tag }));
    case 'digest':
      return mapLimited(tags, METADATA_CONCURRENCY, async (tag) => ({ tag, digest: await digestFor(tag, platforms, repository) }));
    case 'build-time':
      return mapLimited(tags, METADATA_CONCURRENCY, async (tag) => {
        const metadata = await repository.metadata(tag, platforms);
        return { tag, digest: metadata.digest, created: metadata.created };
      });
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

/**
 * The strategy's pick that offers a wanted platform. Push times come without platforms, so the
 * manifests of the picks are read best first, which usually stops at the first.
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

/** HEAD is enough when any platform will do; otherwise the manifest must show a wanted platform. */
async function digestFor(tag: string, platforms: Platform[] | undefined, repository: RepositoryView): Promise<string> {
  if (!platforms) return repository.digestOf(tag);
  const manifest = await repository.manifest(tag);
  if (!manifest.platforms.some((offered) => platformMatches(offered, platforms))) {
    const offered = manifest.platforms.map(formatPlatform).join(', ');
    throw new Error(`${repository.repository}:${tag} offers no wanted platform (offers ${offered || 'none'})`);
  }
  return manifest.digest;
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
