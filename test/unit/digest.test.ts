import assert from 'node:assert/strict';
import { test } from 'node:test';
import { digest } from '../../lib/policy/digest';

const D = 'sha256:' + 'e'.repeat(64);

test('only the tracked tag is eligible, when the registry has it', () => {
  assert.deepEqual(digest.eligible(['1.0', 'latest', 'stable'], 'latest'), ['latest']);
  assert.deepEqual(digest.eligible(['1.0', 'stable'], 'latest'), []);
  assert.deepEqual(digest.eligible(['1.0', 'latest']), []);
});

test('the pick is the tracked tag with its digest', () => {
  assert.deepEqual(digest.select([{ tag: 'stable', digest: D }, { tag: 'latest', digest: D }], 'latest'), { tag: 'latest', digest: D });
  assert.equal(digest.select([{ tag: 'latest' }], 'latest'), undefined, 'no digest, no pick');
  assert.equal(digest.select([{ tag: 'stable', digest: D }], 'latest'), undefined);
});
