import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoizedByText } from '../../lib/policy/memo';

test('each text is parsed once, an undefined result included; a throw is not remembered', () => {
  const seen: string[] = [];
  const parse = memoizedByText((text: string) => {
    seen.push(text);
    if (text === 'bad') throw new Error('bad');
    return text === 'none' ? undefined : text.length;
  });
  assert.equal(parse('abc'), 3);
  assert.equal(parse('abc'), 3);
  assert.equal(parse('none'), undefined);
  assert.equal(parse('none'), undefined);
  assert.throws(() => parse('bad'));
  assert.throws(() => parse('bad'));
  assert.deepEqual(seen, ['abc', 'none', 'bad', 'bad']);
});
