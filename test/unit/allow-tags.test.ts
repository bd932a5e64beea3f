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

test('RE2 syntax means what it means to the reference (Go regexp)', () => {
  assert.deepEqual(allowed('regexp:(?i)^v'), ['v1.2.3', 'V2.0']);
  assert.deepEqual(allowed('regexp:^(?P<major>\\d+)\\.'), ['1.0.0', '1.2.3-rc.1']);
  assert.deepEqual(allowed('regexp:\\A\\d+\\.\\d+\\.\\d+\\z'), ['1.0.0']);
  assert.deepEqual(allowed('regexp:^\\pL+$'), ['latest']);
  assert.deepEqual(allowed('regexp:^[[:digit:]]'), ['1.0.0', '1.2.3-rc.1']);
  assert.deepEqual(allowed('regexp:\\Q1.0\\E'), ['1.0.0']);
  assert.deepEqual(allowed('regexp:^d(?i)EV'), ['dev-abc123']);
});

test('patterns that backtrack exponentially in JavaScript take linear time', () => {
  const result = compileAllowTags('regexp:^(a+)+$');
  assert.ok('matcher' in result);
  const started = process.hrtime.bigint();
  assert.equal(result.matcher(`${'a'.repeat(127)}!`), false);
  // A backtracking engine needs about 2^127 steps; this bound only catches that, not slowness.
  assert.ok(process.hrtime.bigint() - started < 2_000_000_000n);
});

test('anything else matches nothing and says why', () => {
  const cases: [string, RegExp][] = [
    ['latest', /expected "any" or "regexp:<expression>"/],
    ['glob:*', /unknown match function "glob"/],
    ['regexp:(', /invalid regular expression/],
    ['regexp:(?=v)', /invalid regular expression: .*invalid or unsupported Perl syntax/],
    ['regexp:(a)\\1', /invalid regular expression: .*invalid escape sequence/],
    ['regexp:\\pQ', /invalid regular expression/],
  ];
  for (const [value, reason] of cases) {
    const result = compileAllowTags(value);
    assert.ok('error' in result, value);
    assert.match(result.error, reason, value);
  }
});
