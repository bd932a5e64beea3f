import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newestBuild } from '../../lib/policy/newest-build';

const at = (seconds: number) => new Date(seconds * 1000);

test('every tag is eligible; the constraint is ignored', () => {
  assert.deepEqual(newestBuild.eligible(['zz', 'bb', '1.0'], '~1.0'), ['zz', 'bb', '1.0']);
});

test('the latest build time wins; ties go to the lexically greatest tag', () => {
  const candidates = ['zz', 'bb', 'yy', 'cc', 'aa', 'll'].map((tag, i) => ({ tag, created: at(i * 5) }));
  assert.equal(newestBuild.select(candidates)?.tag, 'll');
  assert.equal(newestBuild.select([{ tag: 'dev', created: at(9) }, { tag: 'latest', created: at(9) }, { tag: 'f33bacd', created: at(9) }])?.tag, 'latest');
});

test('candidates without a build time are ignored; push time does not count', () => {
  assert.equal(newestBuild.select([{ tag: 'a', created: at(1) }, { tag: 'b' }, { tag: 'c', pushedAt: at(99) }])?.tag, 'a');
  assert.equal(newestBuild.select([{ tag: 'b' }, { tag: 'bad', created: new Date(Number.NaN) }]), undefined);
});
