// The kube-api double serves Argo CD Image Updater v1.x's ImageUpdater as kube-apiserver would with
// the real CRD installed: discovery, lists, the status subresource, defaults, schema and CEL rules.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startKubeApi, type KubeApiDouble, type StoredImageUpdater } from '../support/kube-api';

const GROUP_VERSION = 'argocd-image-updater.argoproj.io/v1alpha1';
const BASE = `/apis/${GROUP_VERSION}`;

function imageUpdater(namespace: string, name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: GROUP_VERSION, kind: 'ImageUpdater', metadata: { namespace, name }, spec };
}

const webSpec = { applicationRefs: [{ namePattern: 'web-*', images: [{ alias: 'web', imageName: 'ghcr.io/acme/web:~1.2' }] }] };

/** The members these tests read, whichever kind of object the server answered with. */
type Body = StoredImageUpdater & {
  message: string;
  items: StoredImageUpdater[];
  groups: { name: string }[];
  resources: { name: string }[];
  status: { applicationsMatched?: number };
};

async function call(kube: KubeApiDouble, method: string, path: string, body?: unknown): Promise<{ status: number; body: Body }> {
  const response = await fetch(`${kube.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${kube.token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Body };
}

describe('kube-api double: ImageUpdater resources', () => {
  let kube: KubeApiDouble;
  before(async () => {
    kube = await startKubeApi({ imageUpdaters: [imageUpdater('team-a', 'web', webSpec), imageUpdater('team-b', 'api', webSpec)] });
  });
  after(() => kube.stop());

  it('is discoverable with its status subresource', async () => {
    const groups = await call(kube, 'GET', '/apis');
    assert.ok(groups.body.groups.some((group: { name: string }) => group.name === 'argocd-image-updater.argoproj.io'));
    const resources = await call(kube, 'GET', BASE);
    assert.deepEqual(resources.body.resources.map((r: { name: string }) => r.name), ['imageupdaters', 'imageupdaters/status']);
  });

  it('lists in every namespace or in one, with the CRD defaults applied', async () => {
    const all = await call(kube, 'GET', `${BASE}/imageupdaters`);
    assert.equal(all.body.kind, 'ImageUpdaterList');
    assert.deepEqual(all.body.items.map((item: StoredImageUpdater) => `${item.metadata.namespace}/${item.metadata.name}`), ['team-a/web', 'team-b/api']);
    assert.deepEqual(all.body.items[0]?.spec.applicationRefs, [{ ...webSpec.applicationRefs[0], useAnnotations: false }]);
    const one = await call(kube, 'GET', `${BASE}/namespaces/team-b/imageupdaters`);
    assert.deepEqual(one.body.items.map((item: StoredImageUpdater) => item.metadata.name), ['api']);
  });

  it('rejects what the CRD schema and its CEL rules reject', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ applicationRefs: [{ namePattern: 'web' }] }, /Either useAnnotations must be true, or images must be provided/],
      [{ applicationRefs: [] }, /spec.applicationRefs/],
      [{ applicationRefs: [{ namePattern: 'a', useAnnotations: true }, { namePattern: 'a', useAnnotations: true }] }, /spec.applicationRefs\[1\]: Duplicate value: map\[string\]interface \{\}\{"namePattern":"a"\}/],
      [{ applicationRefs: [{ namePattern: 'a', images: [{ alias: 'web/x', imageName: 'x' }] }] }, /alias in body should match/],
      [{ applicationRefs: [{ namePattern: 'a', images: [{ alias: 'w', imageName: 'x', manifestTargets: { helm: {}, kustomize: { name: 'x' } } }] }] }, /Exactly one of helm, kustomize, or plugin/],
      [{ applicationRefs: [{ namePattern: 'a', images: [{ alias: 'w', imageName: 'x', manifestTargets: { plugin: { tag: 'T' } } }] }] }, /At least one of spec or name must be specified in plugin target/],
      [{ applicationRefs: [{ namePattern: 'a', useAnnotations: true }], imagesVerification: {} }, /at least one verification method \(cosignKey\)/],
      [{ applicationRefs: [{ namePattern: 'a', useAnnotations: true }], writeBackConfig: { method: 'svn' } }, /writeBackConfig.method in body should match/],
      [{ applicationRefs: [{ namePattern: 'a', useAnnotations: true }], writeBackConfig: { method: 'git', gitConfig: { pullRequest: { github: {}, gitlab: {} } } } }, /Exactly one of github or gitlab must be set/],
    ];
    for (const [spec, message] of cases) {
      const reply = await call(kube, 'POST', `${BASE}/namespaces/team-a/imageupdaters`, imageUpdater('team-a', 'bad', spec));
      assert.equal(reply.status, 422, JSON.stringify(spec));
      assert.match(reply.body.message, message);
    }
  });

  it('writes status only through the subresource, guarded by resourceVersion; spec writes move generation', async () => {
    const stored = await call(kube, 'GET', `${BASE}/namespaces/team-a/imageupdaters/web`);
    const withStatus = { ...stored.body, status: { applicationsMatched: 2 }, spec: { ...stored.body.spec, commonUpdateSettings: { allowTags: 'any' } } };
    const written = await call(kube, 'PUT', `${BASE}/namespaces/team-a/imageupdaters/web/status`, withStatus);
    assert.equal(written.status, 200);
    assert.equal(written.body.status.applicationsMatched, 2);
    assert.equal(written.body.spec.commonUpdateSettings, undefined, 'the status subresource keeps the spec');
    assert.equal(written.body.metadata.generation, 1);
    const stale = await call(kube, 'PUT', `${BASE}/namespaces/team-a/imageupdaters/web/status`, withStatus);
    assert.equal(stale.status, 409);
    const negative = await call(kube, 'PUT', `${BASE}/namespaces/team-a/imageupdaters/web/status`, { ...written.body, status: { imagesManaged: -1 } });
    assert.equal(negative.status, 422);
    const main = await call(kube, 'PUT', `${BASE}/namespaces/team-a/imageupdaters/web`, { ...written.body, status: {}, spec: withStatus.spec });
    assert.equal(main.status, 200);
    assert.equal(main.body.metadata.generation, 2);
    assert.equal(main.body.status.applicationsMatched, 2, 'the main resource keeps the status');
  });
});

describe('kube-api double: ImageUpdater absent or denied', () => {
  it('answers 404 when the CRD is not installed, and 403 when RBAC denies', async () => {
    const bare = await startKubeApi();
    const denied = await startKubeApi({ imageUpdaterCrd: true, forbidden: ['imageupdaters/status'] });
    try {
      assert.equal((await call(bare, 'GET', `${BASE}/imageupdaters`)).status, 404);
      assert.equal((await call(denied, 'GET', `${BASE}/imageupdaters`)).status, 200);
      const reply = await call(denied, 'PUT', `${BASE}/namespaces/a/imageupdaters/x/status`, imageUpdater('a', 'x', webSpec));
      assert.equal(reply.status, 403);
      assert.match(reply.body.message, /cannot update resource "imageupdaters\/status" in API group "argocd-image-updater.argoproj.io" in the namespace "a"/);
    } finally {
      await bare.stop();
      await denied.stop();
    }
  });
});
