import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newestPush } from '../../lib/policy/newest-push';

const at = (seconds: number) => new Date(seconds * 1000);

test('the latest push time wins, not the build time', () => {
  const candidates = [
    { tag: 'reproducible-a', created: at(0), pushedAt: at(100) },
    { tag: 'reproducible-b', created: at(0), pushedAt: at(200) },
    { tag: 'old-push', created: at(999), pushedAt: at(50) },
  ];
  assert.equal(newestPush.select(candidates)?.tag, 'reproducible-b');
  assert.deepEqual(newestPush.eligible(['a', 'b']), ['a', 'b']);
});

test('ties go to the lexically greatest tag; no push time, no candidate', () => {
  assert.equal(newestPush.select([{ tag: 'a', pushedAt: at(5) }, { tag: 'b', pushedAt: at(5) }])?.tag, 'b');
  assert.equal(newestPush.select([{ tag: 'a', created: at(5) }]), undefined);
});
