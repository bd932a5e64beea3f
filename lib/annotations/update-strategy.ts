// `update-strategy`: the names the reference accepts, its two legacy names, and `newest-push`.
import type { StrategyName } from '../model';

export interface ParsedStrategy {
  strategy: StrategyName;
  /** Set for a legacy or unknown name. */
  warning?: string;
}

const NAMES = new Map<string, StrategyName>(
  (['semver', 'newest-build', 'newest-push', 'digest', 'alphabetical'] as const).map((name) => [name, name]),
);

const LEGACY = new Map<string, StrategyName>([
  ['latest', 'newest-build'],
  ['name', 'alphabetical'],
]);

/** Case-insensitive. Empty means semver; an unknown name falls back to semver with a warning, as in the reference. */
export function parseUpdateStrategy(value: string): ParsedStrategy {
  const key = value.toLowerCase();
  if (key === '') return { strategy: 'semver' };
  const known = NAMES.get(key);
  if (known) return { strategy: known };
  const renamed = LEGACY.get(key);
  if (renamed) {
    return { strategy: renamed, warning: `strategy "${value}" has been renamed to "${renamed}"; please use the new name` };
  }
  return { strategy: 'semver', warning: `unknown update strategy "${value}"; using semver` };
}
