// Warm-container values with an expiry: shared while fresh, loaded again after their lifetime, and
// a failed load never kept (registry credentials with credsexpire, webhook secrets).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExpiringCache } from '../../lib/cache/expiring-cache';

describe('ExpiringCache', () => {
  it('shares one load while fresh and loads again once it expired', async () => {
    const cache = new ExpiringCache<string>();
    let loads = 0;
    const load = () => Promise.resolve(`value ${++loads}`);
    const [a, b] = await Promise.all([cache.get('k', load, 1000, 0), cache.get('k', load, 1000, 999)]);
    assert.deepEqual([a, b, loads], ['value 1', 'value 1', 1]);
    assert.equal(await cache.get('other', load, 1000, 0), 'value 2', 'another key loads its own');
    assert.equal(await cache.get('k', load, 1000, 1000), 'value 3', 'expired at its lifetime');
    assert.equal(await cache.get('k', load, 1000, 1999), 'value 3', 'the new value is fresh for its own lifetime');
  });

  it('forgets a failed load, so the next caller tries again', async () => {
    const cache = new ExpiringCache<string>();
    await assert.rejects(cache.get('k', () => Promise.reject(new Error('unreachable')), 60_000, 0), /unreachable/);
    assert.equal(await cache.get('k', () => Promise.resolve('read'), 60_000, 1), 'read');
  });

  it('hands on the kept value when a fresh one is the same, and keeps a changed one', async () => {
    const cache = new ExpiringCache<readonly string[]>();
    const same = (a: readonly string[], b: readonly string[]) => a.join() === b.join();
    const first = ['1.0.0', '1.1.0'];
    assert.equal(await cache.sameAsKept('repo', first, same, 1000, 0), first);
    assert.equal(await cache.sameAsKept('repo', ['1.0.0', '1.1.0'], same, 1000, 10), first, 'an equal list: the kept object');
    const changed = ['1.0.0', '1.1.0', '1.2.0'];
    assert.equal(await cache.sameAsKept('repo', changed, same, 1000, 20), changed, 'a new tag: the fresh list');
    assert.equal(await cache.sameAsKept('repo', ['1.0.0', '1.1.0', '1.2.0'], same, 1000, 30), changed);
    const late = ['1.0.0', '1.1.0', '1.2.0'];
    assert.equal(await cache.sameAsKept('repo', late, same, 1000, 5000), late, 'nothing is handed on once expired');
  });
});
