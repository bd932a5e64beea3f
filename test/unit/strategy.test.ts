import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StrategyName } from '../../lib/model';
import { strategyFor } from '../../lib/policy/strategy';

test('each strategy name has its strategy and says which metadata it needs', () => {
  const needs: Record<StrategyName, string> = {
    semver: 'nothing',
    alphabetical: 'nothing',
    'newest-build': 'build-time',
    'newest-push': 'push-time',
    digest: 'digest',
  };
  for (const [name, need] of Object.entries(needs) as [StrategyName, string][]) {
    assert.equal(strategyFor(name).name, name);
    assert.equal(strategyFor(name).needs, need, name);
  }
});
