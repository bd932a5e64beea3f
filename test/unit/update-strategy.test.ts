import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseUpdateStrategy } from '../../lib/annotations/update-strategy';

test('strategy names, case-insensitive', () => {
  const cases: [string, string][] = [
    ['', 'semver'],
    ['semver', 'semver'],
    ['SemVer', 'semver'],
    ['newest-build', 'newest-build'],
    ['Newest-Build', 'newest-build'],
    ['newest-push', 'newest-push'],
    ['digest', 'digest'],
    ['alphabetical', 'alphabetical'],
  ];
  for (const [value, strategy] of cases) assert.deepEqual(parseUpdateStrategy(value), { strategy }, value);
});

test('legacy names map to their successors with a deprecation warning', () => {
  const latest = parseUpdateStrategy('latest');
  assert.equal(latest.strategy, 'newest-build');
  assert.match(latest.warning ?? '', /renamed to "newest-build"/);
  const name = parseUpdateStrategy('Name');
  assert.equal(name.strategy, 'alphabetical');
  assert.match(name.warning ?? '', /renamed to "alphabetical"/);
});

test('an unknown name falls back to semver with a warning', () => {
  for (const value of ['newest', 'constructor', '__proto__']) {
    const parsed = parseUpdateStrategy(value);
    assert.equal(parsed.strategy, 'semver', value);
    assert.match(parsed.warning ?? '', /unknown update strategy/, value);
  }
});
