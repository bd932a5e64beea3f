import assert from 'node:assert/strict';
import { test } from 'node:test';
import { helmParametersFor, mergeHelmParameters } from '../../lib/patch/helm';
import { imageSpec } from './fixtures';

const D = 'sha256:' + '1'.repeat(64);

test('name and tag parameters, forceString, with the registry in the name', () => {
  assert.deepEqual(helmParametersFor(imageSpec(), { registry: 'ghcr.io', name: 'team/app', tag: '1.2.3' }), [
    { name: 'image.name', value: 'ghcr.io/team/app', forceString: true },
    { name: 'image.tag', value: '1.2.3', forceString: true },
  ]);
  const custom = imageSpec({ helm: { imageName: 'web.repository', imageTag: 'web.tag' } });
  assert.deepEqual(helmParametersFor(custom, { registry: '', name: 'nginx', tag: 'latest', digest: D }), [
    { name: 'web.repository', value: 'nginx', forceString: true },
    { name: 'web.tag', value: `latest@${D}`, forceString: true },
  ]);
  assert.deepEqual(helmParametersFor(imageSpec(), { registry: '', name: 'nginx', digest: D })[1]?.value, `latest@${D}`);
});

test('an empty tag is left out (v0.18), so the chart keeps its own', () => {
  assert.deepEqual(helmParametersFor(imageSpec(), { registry: 'ghcr.io', name: 'team/app' }), [{ name: 'image.name', value: 'ghcr.io/team/app', forceString: true }]);
});

test('image-spec: one parameter with the full image', () => {
  const spec = imageSpec({ helm: { imageName: 'image.name', imageTag: 'image.tag', imageSpec: 'web.image' } });
  assert.deepEqual(helmParametersFor(spec, { registry: 'ghcr.io', name: 'team/app', tag: '1.2.3', digest: D }), [
    { name: 'web.image', value: `ghcr.io/team/app:1.2.3@${D}`, forceString: true },
  ]);
});

test('merge: replaced in place by name, new ones appended, the rest kept', () => {
  const existing = [
    { name: 'replicaCount', value: '2' },
    { name: 'image.tag', value: '1.0' },
    { name: 'service.type', value: 'ClusterIP' },
  ];
  const updates = [
    { name: 'image.name', value: 'ghcr.io/team/app', forceString: true },
    { name: 'image.tag', value: '1.1', forceString: true },
  ];
  assert.deepEqual(mergeHelmParameters(existing, updates), [
    { name: 'replicaCount', value: '2' },
    { name: 'image.tag', value: '1.1', forceString: true },
    { name: 'service.type', value: 'ClusterIP' },
    { name: 'image.name', value: 'ghcr.io/team/app', forceString: true },
  ]);
  assert.deepEqual(mergeHelmParameters(undefined, updates), updates);
});
