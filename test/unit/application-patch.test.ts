import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildApplicationPatch } from '../../lib/patch/application-patch';
import { application, imageSpec } from './fixtures';

const web = imageSpec({ alias: 'web', image: { registry: 'ghcr.io', name: 'x/web' } });
const worker = imageSpec({ alias: 'worker', image: { registry: 'ghcr.io', name: 'x/worker' }, helm: { imageName: 'worker.image.name', imageTag: 'worker.image.tag' } });
const webAt = (tag: string) => ({ spec: web, newImage: { ...web.image, tag } });

test('Kustomize: one patch for every change, guarded by the resourceVersion, other fields of the source kept', () => {
  const app = application({ spec: { source: { repoURL: 'r', path: 'p', kustomize: { images: ['ghcr.io/x/web:1.0', 'redis:7'] } } } });
  const patch = buildApplicationPatch(app, [webAt('1.1'), { spec: worker, newImage: { ...worker.image, tag: '3.0' } }], 'Kustomize');
  assert.deepEqual(patch, {
    changed: true,
    patch: {
      metadata: { resourceVersion: app.metadata.resourceVersion },
      spec: { source: { repoURL: 'r', path: 'p', kustomize: { images: ['ghcr.io/x/web:1.1', 'redis:7', 'ghcr.io/x/worker:3.0'] } } },
    },
  });
});

test('Kustomize: the kustomize object or its images list is created when absent, its other keys kept', () => {
  assert.deepEqual(buildApplicationPatch(application(), [webAt('1.1')], 'Kustomize').patch?.spec.source?.kustomize, { images: ['ghcr.io/x/web:1.1'] });
  const withoutImages = application({ spec: { source: { kustomize: { namePrefix: 'a-' } } } });
  assert.deepEqual(buildApplicationPatch(withoutImages, [webAt('1.1')], 'Kustomize').patch?.spec.source?.kustomize, {
    namePrefix: 'a-',
    images: ['ghcr.io/x/web:1.1'],
  });
});

test('Helm: parameters merged into the selected source of a multi-source application; the list is sent whole', () => {
  const values = { repoURL: 'https://git/values', ref: 'values' };
  const app = application({
    spec: {
      sources: [values, { repoURL: 'https://charts', chart: 'web', helm: { parameters: [{ name: 'image.tag', value: '1.0' }, { name: 'replicas', value: '2' }] } }],
    },
  });
  assert.deepEqual(buildApplicationPatch(app, [webAt('1.1')], 'Helm').patch?.spec, {
    sources: [
      values,
      {
        repoURL: 'https://charts',
        chart: 'web',
        helm: {
          parameters: [
            { name: 'image.tag', value: '1.1', forceString: true },
            { name: 'replicas', value: '2' },
            { name: 'image.name', value: 'ghcr.io/x/web', forceString: true },
          ],
        },
      },
    ],
  });
  const chartOnly = application({ spec: { sources: [{ ref: 'values' }, { chart: 'web' }] } });
  assert.deepEqual(buildApplicationPatch(chartOnly, [webAt('1.1')], 'Helm').patch?.spec.sources?.[1]?.helm?.parameters?.length, 2);
});

test('Helm image-spec writes one parameter', () => {
  const spec = imageSpec({ image: web.image, helm: { imageName: 'image.name', imageTag: 'image.tag', imageSpec: 'web.image' } });
  const patch = buildApplicationPatch(application(), [{ spec, newImage: { ...web.image, tag: '2.0' } }], 'Helm');
  assert.deepEqual(patch.patch?.spec.source?.helm, { parameters: [{ name: 'web.image', value: 'ghcr.io/x/web:2.0', forceString: true }] });
});

test('already set in spec: no change, no patch', () => {
  const kustomize = application({ spec: { source: { kustomize: { images: ['ghcr.io/x/web:1.1'] } } } });
  assert.deepEqual(buildApplicationPatch(kustomize, [webAt('1.1')], 'Kustomize'), { changed: false });
  const helm = application({
    spec: { source: { helm: { parameters: [{ name: 'image.name', value: 'ghcr.io/x/web', forceString: true }, { name: 'image.tag', value: '1.1', forceString: true }] } } },
  });
  assert.deepEqual(buildApplicationPatch(helm, [webAt('1.1')], 'Helm'), { changed: false });
  assert.deepEqual(buildApplicationPatch(application(), [], 'Helm'), { changed: false });
});
