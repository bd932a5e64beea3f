// A repository's tag list is read afresh every run; when it has not changed since the warm
// container's last run, the list kept from then is handed on instead, so that everything derived
// from it (lib/policy/eligible.ts: the filtered, strategy-checked candidates per settings) is found
// again rather than computed once more for every image. The registry stays the source of truth:
// only an equal list is replaced by its earlier copy.
import { ExpiringCache } from '../cache/expiring-cache';

/** A repository nobody tracks any more is forgotten after this. */
const KEPT_MS = 60 * 60_000;

const kept = new ExpiringCache<readonly string[]>();

/** `fresh`, or the equal list this container kept for `key` (registry, repository, credentials). */
export function settledTagList(key: string, fresh: readonly string[]): Promise<readonly string[]> {
  return kept.sameAsKept(key, fresh, sameTags, KEPT_MS);
}

function sameTags(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((tag, index) => tag === b[index]);
}
