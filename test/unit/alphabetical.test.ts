import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alphabetical } from '../../lib/policy/alphabetical';

const pick = (tags: string[]) => alphabetical.select(alphabetical.eligible(tags).map((tag) => ({ tag })))?.tag;

test('byte order, the greatest wins', () => {
  assert.equal(pick(['zz', 'bb', 'yy', 'cc', 'aa', 'll']), 'zz');
  assert.equal(pick(['1.9', '1.10']), '1.9');
  assert.equal(pick(['2024.01.15', '2024.02.01', '2023.12.31']), '2024.02.01');
  assert.equal(pick(['Z', 'a']), 'a', 'uppercase sorts before lowercase');
  assert.equal(pick([]), undefined);
});
