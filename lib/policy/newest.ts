// The pick of the time-based strategies: the latest time, ties going to the lexically greatest tag.
import type { TagCandidate } from '../model';

export function newestBy(candidates: TagCandidate[], time: (candidate: TagCandidate) => Date | undefined): TagCandidate | undefined {
  let best: { candidate: TagCandidate; at: number } | undefined;
  for (const candidate of candidates) {
    const at = time(candidate)?.getTime();
    if (at === undefined || Number.isNaN(at)) continue;
    if (!best || at > best.at || (at === best.at && candidate.tag > best.candidate.tag)) best = { candidate, at };
  }
  return best?.candidate;
}
