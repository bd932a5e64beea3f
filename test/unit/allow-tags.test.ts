import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileAllowTags } from '../../lib/annotations/allow-tags';

const TAGS = ['1.0.0', 'v1.2.3', '1.2.3-rc.1', 'latest', 'dev-abc123', 'V2.0'];

function allowed(value: string): string[] {
  const result = compileAllowTags(value);
  assert.ok('matcher' in result, `${value}: ${'error' in result ? result.error : ''}`);
  return TAGS.filter(result.matcher);
}

test('empty and "any" (any case) allow every tag', () => {
  for (const value of ['', 'any', 'ANY', 'Any']) assert.deepEqual(allowed(value), TAGS, value);
});

test('regexp: is unanchored and its prefix case-insensitive', () => {
  assert.deepEqual(allowed('regexp:^[0-9]+\\.[0-9]+\\.[0-9]+$'), ['1.0.0']);
  assert.deepEqual(allowed('regexp:rc'), ['1.2.3-rc.1']);
  assert.deepEqual(allowed('REGEXP:^v'), ['v1.2.3']);
  assert.deepEqual(allowed('regexp:^dev-[a-f0-9]{6}$'), ['dev-abc123']);
  // Only the first ':' separates the function from its argument.
  assert.deepEqual(allowed('regexp:^latest$|:'), ['latest']);
});

test('RE2 forms are translated: leading flags, named groups, \\A and \\z', () => {
  assert.deepEqual(allowed('regexp:(?i)^v'), ['v1.2.3', 'V2.0']);
  assert.deepEqual(allowed('regexp:^(?P<major>\\d+)\\.'), ['1.0.0', '1.2.3-rc.1']);
  assert.deepEqual(allowed('regexp:\\A\\d+\\.\\d+\\.\\d+\\z'), ['1.0.0']);
});

test('anything else matches nothing and says why', () => {
  const cases: [string, RegExp][] = [
    ['latest', /expected "any" or "regexp:<expression>"/],
    ['glob:*', /unknown match function "glob"/],
    ['regexp:(', /invalid regular expression/],
    ['regexp:\\pL', /RE2 syntax "\\\\p" is not supported/],
    ['regexp:[[:digit:]]', /not supported/],
    ['regexp:(?U)a+', /invalid regular expression/],
  ];
  for (const [value, reason] of cases) {
    const result = compileAllowTags(value);
    assert.ok('error' in result, value);
    assert.match(result.error, reason, value);
  }
});
