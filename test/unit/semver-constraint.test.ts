import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConstraint, semverConstraintError } from '../../lib/policy/semver-constraint';
import { parseVersion } from '../../lib/policy/semver-version';

function satisfied(constraint: string, versions: string): string[] {
  const check = parseConstraint(constraint).check;
  return versions.split(' ').filter((text) => {
    const version = parseVersion(text);
    assert.ok(version, text);
    return check(version);
  });
}

const VERSIONS = '0.1.0 0.2.3 0.2.9 0.3.0 1.0.0 1.2.0 1.2.3 1.2.9 1.3.0 1.9.9 2.0.0 2.1.0';

test('comparisons, tilde, caret, wildcards, ranges (Masterminds v3 semantics)', () => {
  const cases: [string, string][] = [
    ['1.2.3', '1.2.3'],
    ['=1.2.3', '1.2.3'],
    ['!=1.2.3', '0.1.0 0.2.3 0.2.9 0.3.0 1.0.0 1.2.0 1.2.9 1.3.0 1.9.9 2.0.0 2.1.0'],
    ['>1.2.3', '1.2.9 1.3.0 1.9.9 2.0.0 2.1.0'],
    ['>=1.2.3', '1.2.3 1.2.9 1.3.0 1.9.9 2.0.0 2.1.0'],
    ['=>1.2.3 <2', '1.2.3 1.2.9 1.3.0 1.9.9'],
    ['<1.2', '0.1.0 0.2.3 0.2.9 0.3.0 1.0.0'],
    ['<=1.2', '0.1.0 0.2.3 0.2.9 0.3.0 1.0.0 1.2.0 1.2.3 1.2.9'],
    ['=<1.2.3', '0.1.0 0.2.3 0.2.9 0.3.0 1.0.0 1.2.0 1.2.3'],
    ['>1', '2.0.0 2.1.0'],
    ['>1.2', '1.3.0 1.9.9 2.0.0 2.1.0'],
    ['~1.2.3', '1.2.3 1.2.9'],
    ['~>1.2', '1.2.0 1.2.3 1.2.9'],
    ['~1', '1.0.0 1.2.0 1.2.3 1.2.9 1.3.0 1.9.9'],
    ['^1.2.3', '1.2.3 1.2.9 1.3.0 1.9.9'],
    ['^0.2.3', '0.2.3 0.2.9'],
    ['^0', '0.1.0 0.2.3 0.2.9 0.3.0'],
    ['1.2.x', '1.2.0 1.2.3 1.2.9'],
    ['1.x', '1.0.0 1.2.0 1.2.3 1.2.9 1.3.0 1.9.9'],
    ['*', VERSIONS],
    ['!=1.2.x', '0.1.0 0.2.3 0.2.9 0.3.0 1.0.0 1.3.0 1.9.9 2.0.0 2.1.0'],
    ['1.2 - 1.3', '1.2.0 1.2.3 1.2.9 1.3.0'],
    ['>=1.0.0 <1.3.0', '1.0.0 1.2.0 1.2.3 1.2.9'],
    ['>=1.0.0, <1.3.0', '1.0.0 1.2.0 1.2.3 1.2.9'],
    ['>= v1.0.0,<v1.3', '1.0.0 1.2.0 1.2.3 1.2.9'],
    ['~0.2 || >=2.1', '0.2.3 0.2.9 2.1.0'],
  ];
  for (const [constraint, expected] of cases) assert.deepEqual(satisfied(constraint, VERSIONS), expected.split(' '), constraint);
});

test('prereleases match only an AND group that names a prerelease', () => {
  const versions = '1.2.0 1.2.5-rc.1 1.2.5 1.3.0-rc.1 1.3.0';
  assert.deepEqual(satisfied('>=1.2.0 <1.4.0', versions), ['1.2.0', '1.2.5', '1.3.0']);
  assert.deepEqual(satisfied('~1.2', versions), ['1.2.0', '1.2.5']);
  assert.deepEqual(satisfied('>=1.2.0-0', versions), versions.split(' '));
  assert.deepEqual(satisfied('>=1.2.0-0 <1.3.0', versions), ['1.2.0', '1.2.5-rc.1', '1.2.5', '1.3.0-rc.1']);
  assert.deepEqual(satisfied('>=1.2.0-0 <1.3.0-0', versions), ['1.2.0', '1.2.5-rc.1', '1.2.5']);
  assert.deepEqual(satisfied('1.3.0-rc.1 || ~1.2', versions), ['1.2.0', '1.2.5', '1.3.0-rc.1']);
});

test('semverConstraintError explains invalid constraints', () => {
  for (const constraint of ['1', '>=1.0 <2.0', '~1.2', '^1', '1.2.x', '>= 1.0, < 2', '>=1.2.0-0', '1.0 - 2.0', 'v1.x || 3']) {
    assert.equal(semverConstraintError(constraint), undefined, constraint);
  }
  const invalid: [string, RegExp][] = [
    ['latest', /improper constraint "latest"/],
    ['1.2.3.4', /improper constraint/],
    ['>> 1', /improper constraint/],
    ['1.0 ||', /empty alternative/],
    ['1.0,,2.0', /improper constraint/],
    ['1.x.0-01', /improper version "1.x.0-01"/],
    ['1'.repeat(1025), /longer than 1024 characters/],
  ];
  for (const [constraint, reason] of invalid) assert.match(semverConstraintError(constraint) ?? '', reason, constraint);
});

test('long constraints are read in linear time', () => {
  const started = performance.now();
  for (const text of ['>=1.0,'.repeat(170) + '!', '1.0 '.repeat(250) + '!', '>= 1.0 , '.repeat(110) + '!']) {
    assert.ok(semverConstraintError(text));
  }
  assert.ok(performance.now() - started < 500, 'no catastrophic backtracking');
});
