import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareVersions, parseVersion } from '../../lib/policy/semver-version';

test('loose versions as Masterminds NewVersion reads them', () => {
  const cases: [string, [number, number, number, string]][] = [
    ['1', [1, 0, 0, '']],
    ['1.2', [1, 2, 0, '']],
    ['1.2.3', [1, 2, 3, '']],
    ['v1.2.3', [1, 2, 3, '']],
    ['01.02.03', [1, 2, 3, '']],
    ['1.2.3-rc.1', [1, 2, 3, 'rc.1']],
    ['1.0-beta', [1, 0, 0, 'beta']],
    ['1.2.3+build.7', [1, 2, 3, '']],
    ['1.2.3-rc.1+build', [1, 2, 3, 'rc.1']],
    ['2024-01-15', [2024, 0, 0, '01-15']],
  ];
  for (const [text, [major, minor, patch, prerelease]] of cases) {
    const version = parseVersion(text);
    assert.deepEqual(version && [Number(version.major), Number(version.minor), Number(version.patch), version.prerelease], [major, minor, patch, prerelease], text);
    assert.equal(version?.original, text);
  }
});

test('not versions', () => {
  for (const text of ['latest', 'stable', 'V1.0', '1.2.3.4', '', 'v', '1.', '1.2.3-', '1.0.0-01', '1.0.0-rc..1', '1.0.0+', 'release-1.0', '18446744073709551616']) {
    assert.equal(parseVersion(text), undefined, JSON.stringify(text));
  }
  assert.equal(parseVersion('18446744073709551615')?.major, 18446744073709551615n);
});

test('precedence follows the semver spec', () => {
  const ascending = ['0.9.9', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.0.1', '1.10.0', '2.0.0'];
  for (let i = 1; i < ascending.length; i++) {
    const [lower, higher] = [parseVersion(ascending[i - 1] ?? ''), parseVersion(ascending[i] ?? '')];
    assert.ok(lower && higher);
    assert.equal(compareVersions(lower, higher), -1, `${lower.original} < ${higher.original}`);
    assert.equal(compareVersions(higher, lower), 1);
  }
});

test('rc10 sorts below rc9 (ASCII), rc.10 above rc.9 (numeric); metadata and v do not count', () => {
  const compare = (a: string, b: string) => compareVersions(parseVersion(a)!, parseVersion(b)!);
  assert.equal(compare('7.8.0-rc10', '7.8.0-rc9'), -1);
  assert.equal(compare('7.8.0-rc.10', '7.8.0-rc.9'), 1);
  assert.equal(compare('1.0', 'v1.0.0'), 0);
  assert.equal(compare('1.0.0+a', '1.0.0+b'), 0);
});
