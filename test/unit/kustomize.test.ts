import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ImageRef } from '../../lib/model';
import { mergeKustomizeImages } from '../../lib/patch/kustomize';

const D = 'sha256:' + 'f'.repeat(64);
const image = (registry: string, name: string, tag?: string, digest?: string): ImageRef => ({ registry, name, ...(tag && { tag }), ...(digest && { digest }) });

test('an entry for the same repository path is replaced, registry ignored', () => {
  assert.deepEqual(mergeKustomizeImages(['jannfis/foobar:1.0.1'], {}, image('gcr.io', 'jannfis/foobar', '1.0.3')), ['gcr.io/jannfis/foobar:1.0.3']);
  assert.deepEqual(mergeKustomizeImages(['nginx:1.0', 'redis:7'], {}, image('', 'nginx', '1.1')), ['nginx:1.1', 'redis:7']);
});

test('a new image is appended; the list is created when absent', () => {
  assert.deepEqual(mergeKustomizeImages(['redis:7'], {}, image('ghcr.io', 'x/web', '2.0')), ['redis:7', 'ghcr.io/x/web:2.0']);
  assert.deepEqual(mergeKustomizeImages(undefined, {}, image('ghcr.io', 'x/web', '2.0')), ['ghcr.io/x/web:2.0']);
});

test('kustomize.image-name writes name=image and replaces the entry of that name', () => {
  const spec = { kustomizeImageName: 'web' };
  assert.deepEqual(mergeKustomizeImages(undefined, spec, image('ghcr.io', 'x/web', '2.0')), ['web=ghcr.io/x/web:2.0']);
  assert.deepEqual(mergeKustomizeImages(['web=ghcr.io/x/web:1.0', 'redis:7'], spec, image('ghcr.io', 'x/web', '2.0')), ['web=ghcr.io/x/web:2.0', 'redis:7']);
  assert.deepEqual(mergeKustomizeImages(['redis:7', 'web'], spec, image('ghcr.io', 'x/web', '2.0')), ['redis:7', 'web=ghcr.io/x/web:2.0']);
  // `web:1.0` is a different name ("web:1.0" up to "="), so Argo CD appends.
  assert.deepEqual(mergeKustomizeImages(['web:1.0'], spec, image('ghcr.io', 'x/web', '2.0')), ['web:1.0', 'web=ghcr.io/x/web:2.0']);
});

test('digests are written as name:tag@digest', () => {
  assert.deepEqual(mergeKustomizeImages(['ghcr.io/x/web:latest@sha256:' + '0'.repeat(64)], {}, image('ghcr.io', 'x/web', 'latest', D)), [`ghcr.io/x/web:latest@${D}`]);
});

test('registries with a port are not confused (Argo CD would cut both at "localhost")', () => {
  assert.deepEqual(mergeKustomizeImages(['localhost:5000/b:1'], {}, image('localhost:5000', 'a', '2')), ['localhost:5000/b:1', 'localhost:5000/a:2']);
});

test('an unchanged entry stays the same', () => {
  const existing = ['ghcr.io/x/web:2.0', 'redis:7'];
  assert.deepEqual(mergeKustomizeImages(existing, {}, image('ghcr.io', 'x/web', '2.0')), existing);
});
