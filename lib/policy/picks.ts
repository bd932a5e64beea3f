// The order in which a strategy's candidates are tried when its first pick cannot be used (no
// wanted platform, no valid signature): its pick, then its pick among the rest, and so on.
import type { TagCandidate } from '../model';
import type { Strategy } from './strategy';

export function* picksInOrder(strategy: Strategy, candidates: TagCandidate[], constraint?: string): Generator<TagCandidate> {
  let remaining = candidates;
  for (;;) {
    const best = strategy.select(remaining, constraint);
    if (!best) return;
    yield best;
    remaining = remaining.filter((candidate) => candidate !== best);
  }
}
