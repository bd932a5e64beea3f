import assert from 'node:assert/strict';
import { test } from 'node:test';
import { liveImageFor } from '../../lib/image/liveness';
import { application, imageSpec } from './fixtures';

const running = (...images: string[]) => application({ status: { summary: { images } } });

test('the running image matches on registry and name, whatever its tag', () => {
  const spec = imageSpec({ image: { registry: 'ghcr.io', name: 'team/app' } });
  assert.deepEqual(liveImageFor(spec, running('nginx:1.25', 'ghcr.io/team/app:1.2.3')), { registry: 'ghcr.io', name: 'team/app', tag: '1.2.3' });
});

test('registry must match exactly: docker.io/x is not x', () => {
  const spec = imageSpec({ image: { registry: '', name: 'bitnami/nginx' } });
  assert.equal(liveImageFor(spec, running('docker.io/bitnami/nginx:1.25')), undefined);
  assert.deepEqual(liveImageFor(spec, running('bitnami/nginx:1.25'))?.tag, '1.25');
});

test('the kustomize.image-name image is tried first', () => {
  const spec = imageSpec({ image: { registry: 'gcr.io', name: 'x/foo' }, kustomizeImageName: 'foo' });
  assert.deepEqual(liveImageFor(spec, running('gcr.io/x/foo:2.0', 'foo:1.0')), { registry: '', name: 'foo', tag: '1.0' });
  assert.deepEqual(liveImageFor(spec, running('gcr.io/x/foo:2.0')), { registry: 'gcr.io', name: 'x/foo', tag: '2.0' });
});

test('not live: undefined, or with force-update the image-list image without tag', () => {
  assert.equal(liveImageFor(imageSpec(), running('nginx:1')), undefined);
  assert.equal(liveImageFor(imageSpec(), application()), undefined);
  const forced = imageSpec({ forceUpdate: true, image: { registry: 'ghcr.io', name: 'team/app' }, constraint: '~1.2' });
  assert.deepEqual(liveImageFor(forced, running('nginx:1')), { registry: 'ghcr.io', name: 'team/app' });
  // force-update does not hide a running image.
  assert.equal(liveImageFor(forced, running('ghcr.io/team/app:1.2.0'))?.tag, '1.2.0');
});

test('digest strategy prefers the running image on its tracked tag (two aliases, one repository)', () => {
  const app = running('ghcr.io/team/app:latest@sha256:' + 'a'.repeat(64), 'ghcr.io/team/app:stable@sha256:' + 'b'.repeat(64));
  assert.equal(liveImageFor(imageSpec({ strategy: 'digest', constraint: 'stable' }), app)?.tag, 'stable');
  assert.equal(liveImageFor(imageSpec({ strategy: 'digest', constraint: 'latest' }), app)?.tag, 'latest');
  assert.equal(liveImageFor(imageSpec({ strategy: 'semver', constraint: 'stable' }), app)?.tag, 'latest', 'other strategies take the first');
});

test('unreadable summary images are skipped', () => {
  assert.equal(liveImageFor(imageSpec(), running('', 'ghcr.io/team/app:9'))?.tag, '9');
});
