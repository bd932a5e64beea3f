// An update strategy turns the tags that passed the allow/ignore filters into one pick. The
// caller fetches, for the eligible tags only, the metadata the strategy `needs`.
import type { StrategyName, TagCandidate } from '../model';
import { alphabetical } from './alphabetical';
import { digest } from './digest';
import { newestBuild } from './newest-build';
import { newestPush } from './newest-push';
import { semver } from './semver';

export interface Strategy {
  readonly name: StrategyName;
  readonly needs: 'nothing' | 'build-time' | 'push-time' | 'digest';
  /** Narrow the filtered tag list to the tags this strategy may pick; metadata is fetched for these only. */
  eligible(tags: string[], constraint?: string): string[];
  /** The best candidate (with the metadata `needs` asked for), or undefined. */
  select(candidates: TagCandidate[], constraint?: string): TagCandidate | undefined;
}

const STRATEGIES: Record<StrategyName, Strategy> = {
  semver,
  'newest-build': newestBuild,
  'newest-push': newestPush,
  digest,
  alphabetical,
};

export function strategyFor(name: StrategyName): Strategy {
  return STRATEGIES[name];
}
