import assert from 'node:assert/strict';
import { test } from 'node:test';
import { semver } from '../../lib/policy/semver';

const pick = (tags: string[], constraint?: string) => semver.select(semver.eligible(tags, constraint).map((tag) => ({ tag })), constraint)?.tag;

test('the worked example picks the newest 1.27.x, never 1.28.0 nor 1.27.5-rc.1', () => {
  const tags = ['1.26.2', '1.27.0', '1.27.3', '1.27.4', '1.27.5-rc.1', '1.28.0', 'latest', 'stable-alpine', 'mainline'];
  assert.deepEqual(semver.eligible(tags, '>=1.27.0 <1.28.0'), ['1.27.0', '1.27.3', '1.27.4']);
  assert.equal(pick(tags, '>=1.27.0 <1.28.0'), '1.27.4');
});

test('without a constraint: the highest release; prereleases never (fixes AIU #426)', () => {
  const tags = ['0.1', '0.5.1', '0.9', '1.0', '1.0.1', '1.1.2', '2.0.3', '2.1.0-rc.1', 'latest'];
  assert.equal(pick(tags), '2.0.3');
  assert.equal(pick(['2024-01-15', '2023.12.1']), '2023.12.1', 'a date reads as a prerelease');
  assert.equal(pick(['v2.3.0-rc.0-ppc64le', 'v2.2.0']), 'v2.2.0');
});

test('constraints as in the reference tests', () => {
  const tags = ['0.1', '0.5.1', '0.9', '1.0', '1.0.1', '1.1.2', '2.0.3'];
  assert.equal(pick(tags, '^1.0'), '1.1.2');
  assert.equal(pick(tags, '~1.0'), '1.0.1');
  assert.equal(pick(['0.1', '0.5.1', '0.9', '2.0.3'], '~1.0'), undefined);
});

test('a constraint naming a prerelease admits prereleases', () => {
  assert.equal(pick(['1.2.0', '1.3.0-rc.1', '1.3.0-rc.2'], '>=1.2.0-0'), '1.3.0-rc.2');
  assert.equal(pick(['1.2.0', '1.3.0-rc.1'], '>=1.2.0'), '1.2.0');
});

test('prerelease order: rc9 above rc10, rc.10 above rc.9', () => {
  assert.equal(pick(['7.8.0-rc9', '7.8.0-rc10'], '>=7.8.0-0'), '7.8.0-rc9');
  assert.equal(pick(['7.8.0-rc.9', '7.8.0-rc.10'], '>=7.8.0-0'), '7.8.0-rc.10');
});

test('equal versions: the lexically greatest text wins, whatever the order', () => {
  assert.equal(pick(['1.0', 'v1.0.0']), 'v1.0.0');
  assert.equal(pick(['v1.0.0', '1.0']), 'v1.0.0');
  assert.equal(pick(['1.0.0+b', '1.0.0+a', '1.0.0']), '1.0.0+b');
});

test('non-versions are dropped silently; select keeps the metadata of its pick', () => {
  assert.deepEqual(semver.eligible(['latest', 'V1.0', '1.2.3.4', 'main'], undefined), []);
  const digest = 'sha256:' + 'd'.repeat(64);
  assert.deepEqual(semver.select([{ tag: '1.0' }, { tag: '1.1', digest }, { tag: 'latest' }]), { tag: '1.1', digest });
  assert.equal(semver.select([]), undefined);
});

test('an invalid constraint throws (settings refuse it before)', () => {
  assert.throws(() => semver.eligible(['1.0'], 'latest'), /improper constraint/);
});
