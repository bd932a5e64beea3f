// The kube-api double driven through @kubernetes/client-node 1.4 exactly as product code drives a
// real cluster: kubeconfig with a CA and a bearer token, HTTPS, CustomObjectsApi and CoreV1Api.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { ApplicationsApi } from '../../lib/kube/applications';
import type { Application } from '../../lib/model';
import { startKubeApi, type KubeApiDouble, type Status } from '../support/kube-api';

const APPLICATIONS = { group: 'argoproj.io', version: 'v1alpha1', plural: 'applications' } as const;

/**
 * client-node 1.4 sends every patch as `application/json-patch+json` (the first type its generated
 * code lists). A merge patch needs the Content-Type overridden per call with middleware:
 *
 *   api.patchNamespacedCustomObject(
 *     { group, version, namespace, plural, name, body: mergePatch },
 *     setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
 *   );
 */
const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

function application(namespace: string, name: string, labels: Record<string, string>, spec: Application['spec']): Application {
  return {
    metadata: { namespace, name, labels, annotations: { 'argocd-image-updater.argoproj.io/image-list': 'app=ghcr.io/acme/app' } },
    spec: { project: 'default', destination: { server: 'https://kubernetes.default.svc', namespace }, ...spec },
  };
}

const helmApp = application('argocd', 'helm-app', { team: 'payments', tier: 'backend' }, {
  source: {
    repoURL: 'https://charts.acme.test',
    chart: 'app',
    targetRevision: '1.0.0',
    helm: { parameters: [{ name: 'image.tag', value: '1.0.0' }] },
  },
});
const kustomizeApp = application('argocd', 'kustomize-app', { team: 'web' }, {
  source: { repoURL: 'https://git.acme.test/web.git', path: 'overlays/prod', kustomize: { images: ['ghcr.io/acme/web:1.0.0'] } },
});
const multiSourceApp = application('apps', 'multi-source', { team: 'payments', env: 'prod' }, {
  sources: [
    { repoURL: 'https://git.acme.test/values.git', ref: 'values' },
    { repoURL: 'https://charts.acme.test', chart: 'api', targetRevision: '2.0.0', helm: { parameters: [] } },
  ],
});
const unlabelledApp = application('apps', 'unlabelled', {}, { source: { repoURL: 'https://git.acme.test/misc.git', path: '.' } });

/** The Status a failed client-node call carries: ApiException.body is the raw response text. */
async function rejectedStatus(call: Promise<unknown>): Promise<Status> {
  const error: unknown = await call.then(
    () => assert.fail('expected the call to fail'),
    (reason: unknown) => reason,
  );
  assert.ok(error instanceof ApiException, `expected an ApiException, got ${String(error)}`);
  assert.equal(typeof error.body, 'string');
  const status = JSON.parse(String(error.body)) as Status;
  assert.equal(status.code, error.code);
  return status;
}

function names(list: unknown): string[] {
  const items = (list as { items: Application[] }).items;
  return items.map((item) => `${item.metadata.namespace}/${item.metadata.name}`);
}

describe('kube-api double through @kubernetes/client-node over TLS', () => {
  let kube: KubeApiDouble;
  let config: KubeConfig;
  let customObjects: CustomObjectsApi;
  let core: CoreV1Api;

  before(async () => {
    kube = await startKubeApi({
      tls: true,
      applications: [helmApp, kustomizeApp, multiSourceApp, unlabelledApp],
      secrets: [{ namespace: 'argocd', name: 'registry-creds', type: 'kubernetes.io/basic-auth', data: { username: 'bot', password: 's3cret' } }],
    });
    config = new KubeConfig();
    config.loadFromFile(kube.kubeconfigPath());
    customObjects = config.makeApiClient(CustomObjectsApi);
    core = config.makeApiClient(CoreV1Api);
  });

  after(() => kube.stop());

  it('writes a kubeconfig that trusts the serving CA and carries the token', () => {
    const cluster = config.getCurrentCluster();
    assert.equal(cluster?.server, kube.url);
    assert.match(kube.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(Buffer.from(cluster?.caData ?? '', 'base64').toString(), kube.caPem);
    assert.equal(config.getCurrentUser()?.token, kube.token);
  });

  it('is really verified: without the CA the TLS handshake fails', async () => {
    const untrusting = new KubeConfig();
    untrusting.loadFromOptions({
      clusters: [{ name: 'double', server: kube.url, skipTLSVerify: false }],
      users: [{ name: 'bot', token: kube.token }],
      contexts: [{ name: 'double', cluster: 'double', user: 'bot' }],
      currentContext: 'double',
    });
    await assert.rejects(untrusting.makeApiClient(CustomObjectsApi).listClusterCustomObject(APPLICATIONS), /self[- ]signed|certificate/i);
  });

  it('lists applications of all namespaces with equality, set-based and existence selectors', async () => {
    const list = (labelSelector?: string) =>
      customObjects.listClusterCustomObject({ ...APPLICATIONS, ...(labelSelector === undefined ? {} : { labelSelector }) });

    assert.deepEqual(names(await list()), ['apps/multi-source', 'apps/unlabelled', 'argocd/helm-app', 'argocd/kustomize-app']);
    assert.deepEqual(names(await list('team=payments')), ['apps/multi-source', 'argocd/helm-app']);
    assert.deepEqual(names(await list('team!=payments')), ['apps/unlabelled', 'argocd/kustomize-app']);
    assert.deepEqual(names(await list('!team')), ['apps/unlabelled']);
    assert.deepEqual(names(await list('team in (web, payments),tier')), ['argocd/helm-app']);
    assert.deepEqual(names(await list('env notin (prod)')), ['apps/unlabelled', 'argocd/helm-app', 'argocd/kustomize-app']);

    const body = (await list('team')) as { kind: string; metadata: { resourceVersion: string }; items: Application[] };
    assert.equal(body.kind, 'ApplicationList');
    assert.match(body.metadata.resourceVersion, /^\d+$/);
    assert.ok(body.items.every((item) => item.apiVersion === 'argoproj.io/v1alpha1' && item.kind === 'Application'));
    assert.deepEqual(kube.requests().at(-1)?.query, { labelSelector: 'team' });
  });

  it('lists one namespace with a selector, page by page with limit and continue', async () => {
    const inApps = await customObjects.listNamespacedCustomObject({ ...APPLICATIONS, namespace: 'apps', labelSelector: 'team==payments' });
    assert.deepEqual(names(inApps), ['apps/multi-source']);

    const seen: string[] = [];
    let continueToken: string | undefined;
    do {
      const page = (await customObjects.listClusterCustomObject({
        ...APPLICATIONS,
        limit: 3,
        ...(continueToken ? { _continue: continueToken } : {}),
      })) as { metadata: { continue?: string }; items: Application[] };
      assert.ok(page.items.length <= 3);
      seen.push(...names(page));
      continueToken = page.metadata.continue;
    } while (continueToken);
    assert.deepEqual(seen, ['apps/multi-source', 'apps/unlabelled', 'argocd/helm-app', 'argocd/kustomize-app']);
  });

  it('gets one application, and surfaces the NotFound Status of a missing one', async () => {
    const got = (await customObjects.getNamespacedCustomObject({ ...APPLICATIONS, namespace: 'argocd', name: 'helm-app' })) as Application;
    assert.deepEqual(got.spec.source?.helm?.parameters, [{ name: 'image.tag', value: '1.0.0' }]);
    assert.equal(got.metadata.resourceVersion, kube.application('argocd', 'helm-app')?.metadata.resourceVersion);

    const status = await rejectedStatus(customObjects.getNamespacedCustomObject({ ...APPLICATIONS, namespace: 'argocd', name: 'nope' }));
    assert.deepEqual(status, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'applications.argoproj.io "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', group: 'argoproj.io', kind: 'applications' },
      code: 404,
    });
  });

  it('applies a merge patch sent with setHeaderOptions, bumping resourceVersion and generation', async () => {
    const before = kube.application('argocd', 'helm-app');
    assert.ok(before);
    const patched = (await customObjects.patchNamespacedCustomObject(
      {
        ...APPLICATIONS,
        namespace: 'argocd',
        name: 'helm-app',
        body: { spec: { source: { helm: { parameters: [{ name: 'image.tag', value: '1.2.0' }] } } } },
      },
      MERGE_PATCH,
    )) as Application & { metadata: { generation: number } };

    assert.equal(kube.requests().at(-1)?.contentType, 'application/merge-patch+json');
    assert.deepEqual(patched.spec.source?.helm?.parameters, [{ name: 'image.tag', value: '1.2.0' }]);
    assert.equal(patched.spec.source?.chart, 'app', 'a merge patch keeps the members it does not name');
    assert.ok(Number(patched.metadata.resourceVersion) > Number(before.metadata.resourceVersion));
    assert.equal(patched.metadata.generation, before.metadata.generation + 1);
    assert.deepEqual(kube.application('argocd', 'helm-app'), patched);
  });

  it('applies a JSON patch, the content type client-node sends by default', async () => {
    const current = kube.application('argocd', 'kustomize-app');
    assert.ok(current);
    const patched = (await customObjects.patchNamespacedCustomObject({
      ...APPLICATIONS,
      namespace: 'argocd',
      name: 'kustomize-app',
      body: [
        { op: 'test', path: '/metadata/resourceVersion', value: current.metadata.resourceVersion },
        { op: 'replace', path: '/spec/source/kustomize/images/0', value: 'ghcr.io/acme/web:1.1.0' },
      ],
    })) as Application;

    assert.equal(kube.requests().at(-1)?.contentType, 'application/json-patch+json');
    assert.deepEqual(patched.spec.source?.kustomize?.images, ['ghcr.io/acme/web:1.1.0']);
  });

  it('answers a merge patch body sent without the header as a malformed JSON patch (400)', async () => {
    const status = await rejectedStatus(
      customObjects.patchNamespacedCustomObject({ ...APPLICATIONS, namespace: 'argocd', name: 'helm-app', body: { spec: {} } }),
    );
    assert.equal(status.code, 400);
    assert.equal(status.reason, 'BadRequest');
  });

  it('rejects a merge patch based on a stale read with 409 Conflict', async () => {
    kube.bumpOnNextGet('argocd', 'helm-app');
    const read = (await customObjects.getNamespacedCustomObject({ ...APPLICATIONS, namespace: 'argocd', name: 'helm-app' })) as Application;
    const patchFrom = (resourceVersion: string | undefined) =>
      customObjects.patchNamespacedCustomObject(
        {
          ...APPLICATIONS,
          namespace: 'argocd',
          name: 'helm-app',
          body: { metadata: { resourceVersion }, spec: { source: { helm: { parameters: [{ name: 'image.tag', value: '1.3.0' }] } } } },
        },
        MERGE_PATCH,
      );

    const status = await rejectedStatus(patchFrom(read.metadata.resourceVersion));
    assert.equal(status.code, 409);
    assert.equal(status.reason, 'Conflict');
    assert.equal(
      status.message,
      'Operation cannot be fulfilled on applications.argoproj.io "helm-app": the object has been modified; please apply your changes to the latest version and try again',
    );
    assert.deepEqual(kube.application('argocd', 'helm-app')?.spec.source?.helm?.parameters, [{ name: 'image.tag', value: '1.2.0' }]);

    const fresh = (await customObjects.getNamespacedCustomObject({ ...APPLICATIONS, namespace: 'argocd', name: 'helm-app' })) as Application;
    await patchFrom(fresh.metadata.resourceVersion);
    assert.deepEqual(kube.application('argocd', 'helm-app')?.spec.source?.helm?.parameters, [{ name: 'image.tag', value: '1.3.0' }]);
  });

  it('answers a JSON patch whose test fails with 422 and kube\'s generic message', async () => {
    const status = await rejectedStatus(
      customObjects.patchNamespacedCustomObject({
        ...APPLICATIONS,
        namespace: 'argocd',
        name: 'kustomize-app',
        body: [
          { op: 'test', path: '/metadata/resourceVersion', value: '1' },
          { op: 'replace', path: '/spec/source/kustomize/images/0', value: 'ghcr.io/acme/web:9.9.9' },
        ],
      }),
    );
    assert.deepEqual(status, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'the server rejected our request due to an error in our request',
      reason: 'Invalid',
      details: {},
      code: 422,
    });
  });

  it('rejects a helm parameter value that is not a string with 422 Invalid', async () => {
    const before = kube.application('argocd', 'helm-app');
    const status = await rejectedStatus(
      customObjects.patchNamespacedCustomObject(
        {
          ...APPLICATIONS,
          namespace: 'argocd',
          name: 'helm-app',
          body: { spec: { source: { helm: { parameters: [{ name: 'replicas', value: 3 }] } } } },
        },
        MERGE_PATCH,
      ),
    );
    assert.equal(status.code, 422);
    assert.equal(status.reason, 'Invalid');
    assert.equal(
      status.message,
      'Application.argoproj.io "helm-app" is invalid: spec.source.helm.parameters[0].value: Invalid value: "integer": spec.source.helm.parameters[0].value in body must be of type string: "integer"',
    );
    assert.deepEqual(status.details, {
      name: 'helm-app',
      group: 'argoproj.io',
      kind: 'Application',
      causes: [
        {
          reason: 'FieldValueInvalid',
          message: 'Invalid value: "integer": spec.source.helm.parameters[0].value in body must be of type string: "integer"',
          field: 'spec.source.helm.parameters[0].value',
        },
      ],
    });
    assert.deepEqual(kube.application('argocd', 'helm-app'), before, 'a rejected patch changes nothing');
  });

  it('rejects kustomize images that are not strings, and a bad forceString in spec.sources', async () => {
    const images = await rejectedStatus(
      customObjects.patchNamespacedCustomObject({
        ...APPLICATIONS,
        namespace: 'argocd',
        name: 'kustomize-app',
        body: [{ op: 'add', path: '/spec/source/kustomize/images/-', value: { name: 'ghcr.io/acme/web', newTag: '2.0.0' } }],
      }),
    );
    assert.equal(images.code, 422);
    assert.deepEqual(images.details?.causes?.map((cause) => cause.field), ['spec.source.kustomize.images[1]']);
    assert.match(images.message, /images\[1\] in body must be of type string: "object"$/);

    const sources = await rejectedStatus(
      customObjects.patchNamespacedCustomObject({
        ...APPLICATIONS,
        namespace: 'apps',
        name: 'multi-source',
        body: [{ op: 'add', path: '/spec/sources/1/helm/parameters/-', value: { name: 'image.tag', value: '2.1.0', forceString: 'true' } }],
      }),
    );
    assert.equal(
      sources.message,
      'Application.argoproj.io "multi-source" is invalid: spec.sources[1].helm.parameters[0].forceString: Invalid value: "string": spec.sources[1].helm.parameters[0].forceString in body must be of type boolean: "string"',
    );
  });

  it('answers a strategic merge patch with 415, as kube does for custom resources', async () => {
    const status = await rejectedStatus(
      customObjects.patchNamespacedCustomObject(
        { ...APPLICATIONS, namespace: 'argocd', name: 'helm-app', body: { spec: {} } },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      ),
    );
    assert.equal(status.code, 415);
    assert.equal(status.reason, 'UnsupportedMediaType');
  });

  it('refuses a token it does not know with 401', async () => {
    const stranger = kube.kubeConfig('not-a-known-token').makeApiClient(CustomObjectsApi);
    const error: unknown = await stranger.listClusterCustomObject(APPLICATIONS).then(
      () => assert.fail('expected 401'),
      (reason: unknown) => reason,
    );
    assert.ok(error instanceof ApiException);
    assert.equal(error.code, 401);
    // client-node 1.4 drops the body of a 401 (its generated code throws with body undefined).
    assert.equal(error.body, undefined);
  });

  it('creates an Event for an application', async () => {
    const created = await core.createNamespacedEvent({
      namespace: 'argocd',
      body: {
        metadata: { name: 'helm-app.17f3c2a1b4d5e6f7', annotations: { 'argocd-image-updater.image-0/new-tag': '1.3.0' } },
        involvedObject: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', name: 'helm-app', namespace: 'argocd' },
        reason: 'ImagesUpdated',
        type: 'Normal',
        message: "Successfully updated application 'helm-app'",
        source: { component: 'ArgocdImageUpdater' },
        firstTimestamp: new Date('2025-01-02T03:04:05.678Z'),
        count: 1,
      },
    });
    assert.equal(created.metadata?.namespace, 'argocd');
    assert.ok(created.metadata?.uid);

    const [stored] = kube.events();
    assert.equal(stored?.metadata.name, 'helm-app.17f3c2a1b4d5e6f7');
    assert.equal(stored?.reason, 'ImagesUpdated');
    assert.equal(stored?.involvedObject.name, 'helm-app');
    assert.equal(stored?.firstTimestamp, '2025-01-02T03:04:05Z');
    assert.equal(stored?.metadata.annotations?.['argocd-image-updater.image-0/new-tag'], '1.3.0');
  });

  it('reads a Secret with base64 data, and surfaces the NotFound Status of a missing one', async () => {
    const secret = await core.readNamespacedSecret({ namespace: 'argocd', name: 'registry-creds' });
    assert.equal(secret.type, 'kubernetes.io/basic-auth');
    assert.equal(Buffer.from(secret.data?.password ?? '', 'base64').toString(), 's3cret');

    const status = await rejectedStatus(core.readNamespacedSecret({ namespace: 'argocd', name: 'missing' }));
    assert.equal(status.message, 'secrets "missing" not found');
    assert.deepEqual(status.details, { name: 'missing', kind: 'secrets' });
  });
});

describe('connections to the API server', () => {
  it("one kept-alive TLS connection carries a cycle's list, gets and patches, not one handshake per call", async () => {
    const server = await startKubeApi({ tls: true, applications: [helmApp] });
    try {
      const applications = new ApplicationsApi(server.kubeConfig());
      await applications.list({});
      for (let round = 0; round < 5; round++) {
        const app = await applications.get('argocd', 'helm-app');
        await applications.patch('argocd', 'helm-app', { metadata: { annotations: { round: String(round) }, resourceVersion: app.metadata.resourceVersion } });
      }
      assert.equal(server.requests().length, 11);
      assert.equal(server.connections(), 1);
    } finally {
      await server.stop();
    }
  });

  it('a call on a kept-alive connection the server has just closed is sent again on a new one', async () => {
    const server = await startKubeApi({ tls: true, applications: [helmApp] });
    try {
      const applications = new ApplicationsApi(server.kubeConfig());
      await applications.list({});
      server.hangUpNextReused();
      const app = await applications.get('argocd', 'helm-app');
      assert.equal(app.metadata.name, 'helm-app');
      assert.equal(server.connections(), 2);
    } finally {
      await server.stop();
    }
  });
});
