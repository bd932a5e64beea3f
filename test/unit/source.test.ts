import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApplicationSource } from '../../lib/model';
import { applicationSourceType, selectSource } from '../../lib/patch/source';
import { application } from './fixtures';

const TARGET = 'argocd-image-updater.argoproj.io/write-back-target';
const multi = (sources: ApplicationSource[], sourceTypes?: string[]) => application({ spec: { sources }, ...(sourceTypes && { status: { sourceTypes } }) });

test('single source: status.sourceType, Helm and Kustomize only', () => {
  for (const [sourceType, expected] of [['Helm', 'Helm'], ['Kustomize', 'Kustomize'], ['Plugin', 'Plugin'], ['Directory', undefined], ['', undefined]] as const) {
    assert.equal(applicationSourceType(application({ status: { sourceType } })), expected, sourceType);
  }
  assert.equal(applicationSourceType(application()), undefined);
});

test('multi-source: the first Helm, Kustomize or Plugin entry of status.sourceTypes decides', () => {
  assert.equal(applicationSourceType(multi([{}, {}], ['Directory', 'Kustomize'])), 'Kustomize');
  assert.equal(applicationSourceType(multi([{}, {}], ['Helm', 'Kustomize'])), 'Helm');
  assert.equal(applicationSourceType(multi([{}, {}], ['Plugin', 'Helm'])), 'Plugin');
  assert.equal(applicationSourceType(multi([{}], ['Directory'])), undefined);
  assert.equal(applicationSourceType(multi([{}])), undefined);
});

test('write-back-target kustomization… means Kustomize and helmvalues… Helm (v0.18)', () => {
  const typed = (target: string) => application({ annotations: { [TARGET]: target }, status: { sourceType: 'Directory' } });
  assert.equal(applicationSourceType(typed('kustomization')), 'Kustomize');
  assert.equal(applicationSourceType(typed('kustomization:../base')), 'Kustomize');
  assert.equal(applicationSourceType(typed('helmvalues:values-prod.yaml')), 'Helm');
  assert.equal(applicationSourceType(typed('overrides.yaml')), undefined);
});

test('selectSource: spec.source for a single-source application', () => {
  const app = application();
  assert.deepEqual(selectSource(app, 'Helm'), { path: '/spec/source', source: app.spec.source });
  assert.throws(() => selectSource(application({ spec: {} }), 'Helm'), /argocd\/demo has no source/);
});

test('selectSource: the first source of the detected type (v0.18)', () => {
  const sources: ApplicationSource[] = [
    { repoURL: 'https://git/values', ref: 'values' },
    { repoURL: 'https://charts', chart: 'web' },
    { repoURL: 'https://git/overlay', kustomize: { images: [] } },
    { repoURL: 'https://charts', chart: 'worker', helm: { parameters: [] } },
  ];
  assert.equal(selectSource(multi(sources), 'Helm').path, '/spec/sources/1', 'a chart source is Helm');
  assert.equal(selectSource(multi(sources), 'Kustomize').path, '/spec/sources/2');
  assert.equal(selectSource(multi(sources), 'Kustomize').source, sources[2]);
});

test('selectSource fallbacks: status.sourceTypes position, any helm/kustomize source, then the first', () => {
  const plain: ApplicationSource[] = [{ path: 'a' }, { path: 'b' }, { path: 'c' }];
  assert.equal(selectSource(multi(plain, ['Directory', 'Directory', 'Kustomize']), 'Kustomize').path, '/spec/sources/2');
  const withHelm: ApplicationSource[] = [{ path: 'a' }, { helm: { valueFiles: ['v.yaml'] } }];
  assert.equal(selectSource(multi(withHelm), 'Kustomize').path, '/spec/sources/1');
  assert.equal(selectSource(multi(plain), 'Helm').path, '/spec/sources/0');
});
