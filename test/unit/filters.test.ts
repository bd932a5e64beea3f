import assert from 'node:assert/strict';
import { test } from 'node:test';
import { filterTags } from '../../lib/policy/filters';

const TAGS = ['1.0', '1.0-rc1', 'latest', 'dev-abc', 'tag1', 'tag10', 'v1.0', 'a*b', '{a,b}', 'a', '!x'];
const ignoring = (...ignoreTags: string[]) => filterTags(TAGS, { allowsTag: () => true, ignoreTags });

test('ignore-tags globs have Go filepath.Match semantics', () => {
  assert.deepEqual(ignoring(), TAGS);
  assert.deepEqual(ignoring('*'), []);
  assert.deepEqual(TAGS.filter((tag) => !ignoring('tag?').includes(tag)), ['tag1']);
  assert.deepEqual(TAGS.filter((tag) => !ignoring('*-rc*', 'dev-*').includes(tag)), ['1.0-rc1', 'dev-abc']);
  assert.deepEqual(TAGS.filter((tag) => !ignoring('[^0-9]*').includes(tag)), TAGS.filter((tag) => !/^[0-9]/.test(tag)));
  assert.deepEqual(TAGS.filter((tag) => !ignoring('a\\*b').includes(tag)), ['a*b'], 'backslash escapes');
  // No braces, extglobs or negation: those characters are literal.
  assert.deepEqual(TAGS.filter((tag) => !ignoring('{a,b}').includes(tag)), ['{a,b}']);
  assert.deepEqual(TAGS.filter((tag) => !ignoring('!x').includes(tag)), ['!x']);
  // A malformed pattern ignores nothing.
  assert.deepEqual(ignoring('[abc'), TAGS);
});

test('allow-tags applies first; duplicates are dropped', () => {
  assert.deepEqual(filterTags(['1.0', 'v1.0', '1.0', '2.0'], { allowsTag: (tag) => /^\d/.test(tag), ignoreTags: ['2.*'] }), ['1.0']);
});
