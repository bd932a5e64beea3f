import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ImageMetadata } from '../../lib/registry/client';
import { MetadataCache, type MetadataSource } from '../../lib/resolve/metadata-cache';

const HOUR = 3_600_000;
const digestA = `sha256:${'a'.repeat(64)}`;
const digestB = `sha256:${'b'.repeat(64)}`;

/** A registry whose tag currently points at `digest`, counting what each lookup costs. */
function registry(digest: string, options: { freeDigest?: boolean } = {}) {
  const calls = { heads: 0, fetches: 0 };
  const source: MetadataSource = {
    freeDigest: options.freeDigest ?? false,
    digestOf: async () => {
      calls.heads++;
      return digest;
    },
    fetch: async (): Promise<ImageMetadata> => {
      calls.fetches++;
      return { digest, created: new Date(digest === digestA ? '2026-01-01' : '2026-02-01'), platforms: [] };
    },
  };
  return { source, calls };
}

test('a warm container trusts a known tag for the trust period: no request at all', async () => {
  const cache = new MetadataCache();
  const { source, calls } = registry(digestA);
  await cache.metadata('r/app', 'v1', 'any', HOUR, source, 0);
  const again = await cache.metadata('r/app', 'v1', 'any', HOUR, source, HOUR - 1);
  assert.deepEqual(calls, { heads: 0, fetches: 1 });
  assert.equal(again.digest, digestA);
});

test('after the trust period one HEAD checks the tag; an unmoved tag costs nothing more', async () => {
  const cache = new MetadataCache();
  const { source, calls } = registry(digestA);
  await cache.metadata('r/app', 'v1', 'any', HOUR, source, 0);
  await cache.metadata('r/app', 'v1', 'any', HOUR, source, HOUR + 1);
  assert.deepEqual(calls, { heads: 1, fetches: 1 });
});

test('a tag pushed again is noticed after the trust period and its new build time fetched', async () => {
  const cache = new MetadataCache();
  await cache.metadata('r/app', 'latest', 'any', HOUR, registry(digestA).source, 0);
  const moved = registry(digestB);
  const metadata = await cache.metadata('r/app', 'latest', 'any', HOUR, moved.source, HOUR + 1);
  assert.deepEqual(moved.calls, { heads: 1, fetches: 1 });
  assert.equal(metadata.created?.toISOString(), '2026-02-01T00:00:00.000Z');
});

test('where digests are free (ECR), a tag sharing a known digest costs no request', async () => {
  const cache = new MetadataCache();
  await cache.metadata('r/app', 'v1', 'any', HOUR, registry(digestA, { freeDigest: true }).source, 0);
  const sameImage = registry(digestA, { freeDigest: true });
  await cache.metadata('r/app', 'sha-1a2b', 'any', HOUR, sameImage.source, 0);
  assert.deepEqual(sameImage.calls, { heads: 1, fetches: 0 });
});

test('a trust period of 0 checks every time; other platforms or repositories are other entries', async () => {
  const cache = new MetadataCache();
  const { source, calls } = registry(digestA);
  await cache.metadata('r/app', 'v1', 'any', 0, source, 0);
  await cache.metadata('r/app', 'v1', 'any', 0, source, 0);
  await cache.metadata('r/app', 'v1', 'linux/arm64', 0, source, 0);
  await cache.metadata('r/other', 'v1', 'any', 0, source, 0);
  assert.deepEqual(calls, { heads: 2, fetches: 3 });
});

test('the cache is bounded: the least recently used entries go first', async () => {
  const cache = new MetadataCache(2);
  const { source, calls } = registry(digestA);
  await cache.metadata('r/a', 'v1', 'any', HOUR, source, 0);
  await cache.metadata('r/b', 'v1', 'any', HOUR, source, 0);
  await cache.metadata('r/c', 'v1', 'any', HOUR, source, 0);
  await cache.metadata('r/a', 'v1', 'any', HOUR, source, 0);
  assert.equal(calls.fetches, 4, 'r/a was evicted and fetched again');
});
