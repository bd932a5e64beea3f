import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileAllowTags } from '../../lib/annotations/allow-tags';
import { eligibleTags } from '../../lib/policy/eligible';

const TAGS = ['1.26.3', '1.27.0', '1.27.4', '1.27.5-rc1', '1.28.0', 'sha-abc', 'sha-def', 'latest'];

function allowing(allowTags?: string): { allowTags?: string; allowsTag: (tag: string) => boolean } {
  const compiled = compileAllowTags(allowTags ?? '');
  if ('error' in compiled) throw new Error(compiled.error);
  return { ...(allowTags && { allowTags }), allowsTag: compiled.matcher };
}

test('images sharing one tag list each get the answer for their own settings', () => {
  const semver = (constraint: string | undefined, ignoreTags: string[] = []) =>
    eligibleTags(TAGS, { strategy: 'semver', ...(constraint && { constraint }), ...allowing(), ignoreTags }).eligible;
  assert.deepEqual(semver('>=1.27.0 <1.28.0'), ['1.27.0', '1.27.4']);
  assert.deepEqual(semver('>=1.27.0 <1.28.0', ['1.27.4']), ['1.27.0']);
  assert.deepEqual(semver(undefined), ['1.26.3', '1.27.0', '1.27.4', '1.28.0']);
  assert.deepEqual(semver('>=1.27.0 <1.28.0'), ['1.27.0', '1.27.4'], 'asked again, the same answer');

  const builds = eligibleTags(TAGS, { strategy: 'newest-build', ...allowing('regexp:^sha-'), ignoreTags: [] });
  assert.deepEqual(builds, { afterFilters: 2, eligible: ['sha-abc', 'sha-def'] });
  const everything = eligibleTags(TAGS, { strategy: 'newest-build', ...allowing(), ignoreTags: [] });
  assert.equal(everything.eligible.length, TAGS.length);
});

test('the same settings on another tag list are answered from that list', () => {
  const spec = { strategy: 'semver' as const, constraint: '~1.27', ...allowing(), ignoreTags: [] };
  assert.deepEqual(eligibleTags(['1.27.1'], spec).eligible, ['1.27.1']);
  assert.deepEqual(eligibleTags(['1.27.2', '1.27.3'], spec).eligible, ['1.27.2', '1.27.3']);
});
