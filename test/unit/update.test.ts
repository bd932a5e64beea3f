import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ImageRef } from '../../lib/model';
import { chosenImage, needsUpdate } from '../../lib/policy/update';
import { imageSpec } from './fixtures';

const A = 'sha256:' + 'a'.repeat(64);
const B = 'sha256:' + 'b'.repeat(64);
const live = (tag?: string, digest?: string): ImageRef => ({ registry: 'ghcr.io', name: 'team/app', ...(tag && { tag }), ...(digest && { digest }) });

test('tag strategies compare tags', () => {
  assert.equal(needsUpdate(live('1.0'), { tag: '1.1' }, 'semver'), true);
  assert.equal(needsUpdate(live('1.1'), { tag: '1.1' }, 'semver'), false);
  assert.equal(needsUpdate(live('1.1', A), { tag: '1.1', digest: B }, 'newest-build'), false, 'a digest pin stays');
  assert.equal(needsUpdate(live(), { tag: '1.1' }, 'alphabetical'), true, 'force-update: no running tag');
  // A running tag that is not a version is not an error: the best version replaces it.
  assert.equal(needsUpdate(live('latest'), { tag: '1.27.4' }, 'semver'), true);
});

test('the digest strategy compares digests (v0.18: when either side has one)', () => {
  assert.equal(needsUpdate(live('latest', A), { tag: 'latest', digest: A }, 'digest'), false);
  assert.equal(needsUpdate(live('latest', A), { tag: 'latest', digest: B }, 'digest'), true);
  assert.equal(needsUpdate(live('latest'), { tag: 'latest', digest: A }, 'digest'), true);
  assert.equal(needsUpdate(live('latest', A), { tag: 'latest' }, 'digest'), true);
});

test('with kustomize.image-name, a running image under the original name updates even at the same tag', () => {
  const spec = imageSpec({ image: { registry: 'gcr.io', name: 'x/foo' }, kustomizeImageName: 'foo' });
  const original: ImageRef = { registry: '', name: 'foo', tag: '1.0' };
  assert.equal(needsUpdate(original, { tag: '1.0' }, 'semver', spec), true);
  assert.equal(needsUpdate({ registry: 'gcr.io', name: 'x/foo', tag: '1.0' }, { tag: '1.0' }, 'semver', spec), false);
  assert.equal(needsUpdate(original, { tag: '1.0' }, 'semver', imageSpec({ image: spec.image })), false);
});

test('chosenImage: the image-list name with the candidate tag, and its digest for the digest strategy', () => {
  const spec = imageSpec({ image: { registry: 'ghcr.io', name: 'team/app' } });
  assert.deepEqual(chosenImage(spec, live('1.0'), { tag: '1.1', digest: A }), { registry: 'ghcr.io', name: 'team/app', tag: '1.1' });
  const digest = imageSpec({ strategy: 'digest', constraint: 'latest' });
  assert.deepEqual(chosenImage(digest, live('latest', A), { tag: 'latest', digest: B }), { registry: 'ghcr.io', name: 'team/app', tag: 'latest', digest: B });
  const renamed = imageSpec({ image: { registry: 'gcr.io', name: 'x/foo' }, kustomizeImageName: 'foo' });
  assert.deepEqual(chosenImage(renamed, { registry: '', name: 'foo', tag: '1.0' }, { tag: '1.2' }), { registry: 'gcr.io', name: 'x/foo', tag: '1.2' });
});

test('chosenImage when nothing changes: the running tag and digest under the image-list name', () => {
  const spec = imageSpec({ image: { registry: 'ghcr.io', name: 'team/app' } });
  assert.deepEqual(chosenImage(spec, live('1.1', A), { tag: '1.1' }), { registry: 'ghcr.io', name: 'team/app', tag: '1.1', digest: A });
});
