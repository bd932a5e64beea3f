import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BadGlobError, compileGoGlob, goGlobMatch, isLiteralGlob } from '../../lib/match/go-glob';

// Go's own table for path/filepath.Match (src/path/filepath/match_test.go), Unix rows.
const GO_CASES: [pattern: string, name: string, match: boolean, bad?: true][] = [
  ['abc', 'abc', true],
  ['*', 'abc', true],
  ['*c', 'abc', true],
  ['a*', 'a', true],
  ['a*', 'abc', true],
  ['a*', 'ab/c', false],
  ['a*/b', 'abc/b', true],
  ['a*/b', 'a/c/b', false],
  ['a*b*c*d*e*/f', 'axbxcxdxe/f', true],
  ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', true],
  ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', false],
  ['a*b*c*d*e*/f', 'axbxcxdxexxx/fff', false],
  ['a*b?c*x', 'abxbbxdbxebxczzx', true],
  ['a*b?c*x', 'abxbbxdbxebxczzy', false],
  ['ab[c]', 'abc', true],
  ['ab[b-d]', 'abc', true],
  ['ab[e-g]', 'abc', false],
  ['ab[^c]', 'abc', false],
  ['ab[^b-d]', 'abc', false],
  ['ab[^e-g]', 'abc', true],
  ['a\\*b', 'a*b', true],
  ['a\\*b', 'ab', false],
  ['a?b', 'a☺b', true],
  ['a[^a]b', 'a☺b', true],
  ['a???b', 'a☺b', false],
  ['a[^a][^a][^a]b', 'a☺b', false],
  ['[a-ζ]*', 'α', true],
  ['*[a-ζ]', 'A', false],
  ['a?b', 'a/b', false],
  ['a*b', 'a/b', false],
  ['[\\]a]', ']', true],
  ['[\\-]', '-', true],
  ['[x\\-]', 'x', true],
  ['[x\\-]', '-', true],
  ['[x\\-]', 'z', false],
  ['[\\-x]', 'x', true],
  ['[\\-x]', '-', true],
  ['[\\-x]', 'a', false],
  ['[]a]', ']', false, true],
  ['[-]', '-', false, true],
  ['[x-]', 'x', false, true],
  ['[x-]', '-', false, true],
  ['[x-]', 'z', false, true],
  ['[-x]', 'x', false, true],
  ['[-x]', '-', false, true],
  ['[-x]', 'a', false, true],
  ['\\', 'a', false, true],
  ['[a-b-c]', 'a', false, true],
  ['[', 'a', false, true],
  ['[^', 'a', false, true],
  ['[^bc', 'a', false, true],
  ['a[', 'a', false, true],
  ['a[', 'ab', false, true],
  ['a[', 'x', false, true],
  ['a/b[', 'x', false, true],
  ['*x', 'xxx', true],
];

test("Go's filepath.Match table: matches, mismatches and ErrBadPattern", () => {
  for (const [pattern, name, match, bad] of GO_CASES) {
    if (bad) {
      assert.throws(() => goGlobMatch(pattern, name), BadGlobError, `${pattern} on ${name} should be ErrBadPattern`);
      assert.throws(() => compileGoGlob(pattern), BadGlobError, `${pattern} should not compile`);
    } else {
      assert.equal(goGlobMatch(pattern, name), match, `${pattern} on ${name}`);
      assert.equal(compileGoGlob(pattern)(name), match, `compiled ${pattern} on ${name}`);
    }
  }
});

test('no negation, braces or globstar: those characters are literal', () => {
  assert.equal(goGlobMatch('!web', 'api'), false);
  assert.equal(goGlobMatch('!web', '!web'), true);
  assert.equal(goGlobMatch('{web,api}', 'web'), false);
  assert.equal(goGlobMatch('{web,api}', '{web,api}'), true);
  assert.equal(goGlobMatch('**', 'team/web'), false);
  assert.equal(goGlobMatch('web-+(a)', 'web-a'), false);
});

test('a malformed part after a mismatch is still an error, and literal patterns are recognised', () => {
  assert.throws(() => goGlobMatch('web-*[', 'api'), /syntax error in pattern "web-\*\["/);
  assert.throws(() => compileGoGlob('web-*['), BadGlobError);
  assert.equal(isLiteralGlob('web'), true);
  assert.equal(isLiteralGlob('web-?'), false);
  assert.equal(isLiteralGlob('web-[ab]'), false);
});
