// The kube-apiserver behaviours the double reproduces beyond the client-node happy paths, checked
// over plain HTTP with fetch so that status codes, headers and bodies are seen as sent.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Application } from '../../lib/model';
import { startKubeApi, type KubeApiDouble, type Status, type StoredApplication } from '../support/kube-api';

const APPS = '/apis/argoproj.io/v1alpha1';

function helmApplication(namespace: string, name: string, labels: Record<string, string> = {}): Application {
  return {
    metadata: { namespace, name, labels },
    spec: {
      project: 'default',
      destination: { server: 'https://kubernetes.default.svc', namespace: 'default' },
      source: { repoURL: 'https://charts.acme.test', chart: name, helm: { parameters: [{ name: 'image.tag', value: '1.0.0' }] } },
    },
  };
}

interface Reply {
  status: number;
  headers: Headers;
  body: unknown;
}

describe('kube-api double: kube-apiserver semantics', () => {
  let kube: KubeApiDouble;

  async function call(method: string, path: string, options: { body?: unknown; contentType?: string; token?: string } = {}): Promise<Reply> {
    const headers: Record<string, string> = { Authorization: `Bearer ${options.token ?? kube.token}` };
    if (options.body !== undefined) headers['Content-Type'] = options.contentType ?? 'application/json';
    const response = await fetch(`${kube.url}${path}`, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    assert.equal(response.headers.get('content-type'), 'application/json');
    return { status: response.status, headers: response.headers, body: await response.json() };
  }

  const appPath = (namespace: string, name: string) => `${APPS}/namespaces/${namespace}/applications/${name}`;
  const mergePatch = (namespace: string, name: string, body: unknown) =>
    call('PATCH', appPath(namespace, name), { body, contentType: 'application/merge-patch+json' });
  const stored = (namespace: string, name: string): StoredApplication => {
    const found = kube.application(namespace, name);
    assert.ok(found, `${namespace}/${name} is stored`);
    return found;
  };

  before(async () => {
    kube = await startKubeApi({
      applications: [
        helmApplication('argocd', 'alpha', { team: 'a' }),
        helmApplication('argocd', 'beta', { team: 'b' }),
        helmApplication('team-a', 'gamma', { team: 'a' }),
      ],
    });
  });

  after(() => kube.stop());

  it('serves discovery for core/v1 and argoproj.io/v1alpha1, and /version', async () => {
    const resources = (await call('GET', APPS)).body as { groupVersion: string; resources: Record<string, unknown>[] };
    assert.equal(resources.groupVersion, 'argoproj.io/v1alpha1');
    assert.deepEqual(resources.resources[0], {
      name: 'applications',
      singularName: 'application',
      namespaced: true,
      kind: 'Application',
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['app', 'apps'],
    });
    const group = (await call('GET', '/apis/argoproj.io')).body as { kind: string; preferredVersion: { groupVersion: string } };
    assert.equal(group.kind, 'APIGroup');
    assert.equal(group.preferredVersion.groupVersion, 'argoproj.io/v1alpha1');
    const groups = (await call('GET', '/apis')).body as { kind: string; groups: { name: string }[] };
    assert.deepEqual(groups.groups.map((entry) => entry.name), ['argoproj.io']);
    const core = (await call('GET', '/api/v1')).body as { resources: { name: string }[] };
    assert.deepEqual(core.resources.map((resource) => resource.name), ['events', 'secrets']);
    assert.deepEqual((await call('GET', '/api')).body, {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: kube.url.replace('http://', '') }],
    });
    assert.equal(((await call('GET', '/version')).body as { major: string }).major, '1');
  });

  it('requires a known bearer token everywhere, and answers unknown paths with a NotFound Status', async () => {
    const refused = await call('GET', '/version', { token: 'wrong' });
    assert.equal(refused.status, 401);
    assert.deepEqual(refused.body, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    });
    const unknown = await call('GET', '/apis/argoproj.io/v1alpha1/namespaces/argocd/appprojects');
    assert.equal(unknown.status, 404);
    assert.equal((unknown.body as Status).reason, 'NotFound');
  });

  it('accepts tokens by list or predicate', async () => {
    const byList = await startKubeApi({ tokens: ['first', 'second'] });
    const byPredicate = await startKubeApi({ tokens: (token) => token.startsWith('ok-') });
    try {
      assert.equal(byList.token, 'first');
      const status = async (url: string, token: string) =>
        (await fetch(`${url}/version`, { headers: { Authorization: `Bearer ${token}` } })).status;
      assert.equal(await status(byList.url, 'second'), 200);
      assert.equal(await status(byList.url, 'third'), 401);
      assert.equal(await status(byPredicate.url, 'ok-anything'), 200);
      assert.equal(await status(byPredicate.url, 'nope'), 401);
    } finally {
      await Promise.all([byList.stop(), byPredicate.stop()]);
    }
  });

  it('answers a malformed labelSelector with 400 BadRequest', async () => {
    for (const selector of ['team in (a', 'team=a b', '=a', 'team,', 'team notin a']) {
      const reply = await call('GET', `${APPS}/applications?labelSelector=${encodeURIComponent(selector)}`);
      assert.equal(reply.status, 400, selector);
      assert.equal((reply.body as Status).reason, 'BadRequest', selector);
    }
  });

  it('pages through a consistent snapshot: later writes do not show in later pages', async () => {
    const first = (await call('GET', `${APPS}/applications?limit=1`)).body as {
      metadata: { resourceVersion: string; continue: string; remainingItemCount: number };
      items: Application[];
    };
    assert.deepEqual(first.items.map((item) => item.metadata.name), ['alpha']);
    assert.equal(first.metadata.remainingItemCount, 2);

    kube.setApplication(helmApplication('argocd', 'between'));
    const rest = (await call('GET', `${APPS}/applications?limit=5&continue=${encodeURIComponent(first.metadata.continue)}`)).body as {
      metadata: { resourceVersion: string; continue?: string };
      items: Application[];
    };
    assert.deepEqual(rest.items.map((item) => item.metadata.name), ['beta', 'gamma']);
    assert.equal(rest.metadata.resourceVersion, first.metadata.resourceVersion);
    assert.equal(rest.metadata.continue, undefined);

    const selected = (await call('GET', `${APPS}/applications?limit=1&labelSelector=team%3Da`)).body as {
      metadata: Record<string, unknown>;
    };
    assert.ok(selected.metadata.continue);
    assert.equal(selected.metadata.remainingItemCount, undefined, 'kube counts the rest only for unfiltered lists');

    const forged = await call('GET', `${APPS}/applications?limit=1&continue=not-a-token`);
    assert.equal(forged.status, 400);
  });

  it('prunes unknown fields with a Warning header, keeps x-kubernetes-preserve-unknown-fields content', async () => {
    const reply = await mergePatch('argocd', 'alpha', {
      spec: { source: { helm: { bogus: true, valuesObject: { image: { tag: 2 } } } }, alsoBogus: 'x' },
    });
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.headers.get('warning')?.split(', ').sort(), [
      '299 - "unknown field \\"spec.alsoBogus\\""',
      '299 - "unknown field \\"spec.source.helm.bogus\\""',
    ]);
    const helm = stored('argocd', 'alpha').spec.source?.helm;
    assert.equal(helm?.bogus, undefined);
    assert.deepEqual(helm?.valuesObject, { image: { tag: 2 } });
  });

  it('enforces the fields the CRD requires: spec.destination and spec.project', async () => {
    const current = stored('argocd', 'beta');
    const { destination: _destination, project: _project, ...spec } = current.spec;
    const reply = await call('PUT', appPath('argocd', 'beta'), { body: { ...current, spec } });
    assert.equal(reply.status, 422);
    const status = reply.body as Status;
    assert.equal(
      status.message,
      'Application.argoproj.io "beta" is invalid: [spec.destination: Required value, spec.project: Required value]',
    );
    assert.deepEqual(status.details?.causes, [
      { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.destination' },
      { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.project' },
    ]);
  });

  it('bumps generation for non-metadata changes only, and does not write a no-op patch', async () => {
    const start = stored('argocd', 'beta');

    await mergePatch('argocd', 'beta', { metadata: { annotations: { note: 'x' } } });
    const annotated = stored('argocd', 'beta');
    assert.ok(Number(annotated.metadata.resourceVersion) > Number(start.metadata.resourceVersion));
    assert.equal(annotated.metadata.generation, start.metadata.generation);

    const same = await mergePatch('argocd', 'beta', { metadata: { annotations: { note: 'x' } } });
    assert.equal(same.status, 200);
    assert.equal((same.body as StoredApplication).metadata.resourceVersion, annotated.metadata.resourceVersion);

    await mergePatch('argocd', 'beta', { spec: { source: { targetRevision: '2.0.0' } } });
    assert.equal(stored('argocd', 'beta').metadata.generation, start.metadata.generation + 1);
  });

  it('keeps system fields: uid, creationTimestamp and name cannot be patched away', async () => {
    const before = stored('argocd', 'beta');
    await mergePatch('argocd', 'beta', { metadata: { uid: 'forged', creationTimestamp: '2000-01-01T00:00:00Z' } });
    const after = stored('argocd', 'beta');
    assert.equal(after.metadata.uid, before.metadata.uid);
    assert.equal(after.metadata.creationTimestamp, before.metadata.creationTimestamp);

    const renamed = await mergePatch('argocd', 'beta', { metadata: { name: 'other' } });
    assert.equal(renamed.status, 400);
    assert.equal((renamed.body as Status).message, 'the name of the object (other) does not match the name on the URL (beta)');
  });

  it('replaces with PUT: a stale resourceVersion is a 409, an absent one an unconditional update', async () => {
    const current = stored('argocd', 'beta');
    const changed = { ...current, spec: { ...current.spec, project: 'payments' } };

    const stale = await call('PUT', appPath('argocd', 'beta'), {
      body: { ...changed, metadata: { ...current.metadata, resourceVersion: '1' } },
    });
    assert.equal(stale.status, 409);
    assert.equal((stale.body as Status).reason, 'Conflict');

    const { resourceVersion: _resourceVersion, ...withoutVersion } = current.metadata;
    const unconditional = await call('PUT', appPath('argocd', 'beta'), { body: { ...changed, metadata: withoutVersion } });
    assert.equal(unconditional.status, 200);
    assert.equal(stored('argocd', 'beta').spec.project, 'payments');

    const missing = await call('PUT', appPath('argocd', 'ghost'), { body: { ...changed, metadata: { name: 'ghost' } } });
    assert.equal(missing.status, 404);
  });

  it('creates with POST: 201, then 409 AlreadyExists', async () => {
    const body = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', ...helmApplication('argocd', 'created') };
    const created = await call('POST', `${APPS}/namespaces/argocd/applications`, { body });
    assert.equal(created.status, 201);
    const metadata = (created.body as StoredApplication).metadata;
    assert.equal(metadata.generation, 1);
    assert.match(metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const again = await call('POST', `${APPS}/namespaces/argocd/applications`, { body });
    assert.equal(again.status, 409);
    assert.equal((again.body as Status).message, 'applications.argoproj.io "created" already exists');

    const elsewhere = await call('POST', `${APPS}/namespaces/team-a/applications`, { body });
    assert.equal(elsewhere.status, 400, 'the body names another namespace than the URL');
  });

  it('answers JSON patches that do not apply with 422, malformed ones with 400', async () => {
    const path = appPath('argocd', 'alpha');
    const jsonPatch = (body: unknown) => call('PATCH', path, { body, contentType: 'application/json-patch+json' });

    const missing = await jsonPatch([{ op: 'replace', path: '/spec/source/helm/parameters/5/value', value: '2' }]);
    assert.equal(missing.status, 422);
    assert.equal((missing.body as Status).message, 'the server rejected our request due to an error in our request');

    assert.equal((await jsonPatch({ op: 'add' })).status, 400);

    const escaped = await jsonPatch([{ op: 'add', path: '/metadata/annotations', value: { 'a/b~c': 'x' } }]);
    assert.equal(escaped.status, 200);
    const moved = await jsonPatch([{ op: 'copy', from: '/metadata/annotations/a~1b~0c', path: '/metadata/annotations/copied' }]);
    assert.equal(moved.status, 200);
    assert.deepEqual(stored('argocd', 'alpha').metadata.annotations, { 'a/b~c': 'x', copied: 'x' });
  });

  it('refuses list parameters it does not implement instead of ignoring them', async () => {
    for (const query of ['watch=true', 'fieldSelector=metadata.name%3Dalpha', 'resourceVersion=5']) {
      const reply = await call('GET', `${APPS}/applications?${query}`);
      assert.equal(reply.status, 400, query);
      assert.match((reply.body as Status).message, /not implemented by the kube-api double/);
    }
  });

  it('fails the next matching request as told, once', async () => {
    kube.failNext('get', /\/applications$/, 503);
    const failed = await call('GET', `${APPS}/namespaces/argocd/applications`);
    assert.equal(failed.status, 503);
    assert.equal((failed.body as Status).reason, 'ServiceUnavailable');
    assert.equal((await call('GET', `${APPS}/namespaces/argocd/applications`)).status, 200);

    kube.failNext('PATCH', appPath('argocd', 'alpha'), 429, { kind: 'Status', code: 429, message: 'slow down' });
    const throttled = await mergePatch('argocd', 'alpha', { spec: { project: 'x' } });
    assert.deepEqual([throttled.status, throttled.body], [429, { kind: 'Status', code: 429, message: 'slow down' }]);
    assert.equal(stored('argocd', 'alpha').spec.project, 'default');
  });

  it('lets another client change an application right after a list returns it, or after a GET', async () => {
    kube.changeAfterList('team-a', 'gamma', (application) => {
      application.metadata.labels = { ...application.metadata.labels, touched: 'yes' };
    });
    await call('GET', appPath('team-a', 'gamma'));
    assert.equal(stored('team-a', 'gamma').metadata.labels?.touched, undefined, 'a GET is not a list');

    const list = (await call('GET', `${APPS}/namespaces/team-a/applications`)).body as { items: StoredApplication[] };
    const listed = list.items[0];
    assert.ok(listed);
    assert.equal(listed.metadata.labels?.touched, undefined, 'the list shows the state before the change');
    const changed = stored('team-a', 'gamma');
    assert.equal(changed.metadata.labels?.touched, 'yes');
    assert.ok(Number(changed.metadata.resourceVersion) > Number(listed.metadata.resourceVersion));

    const conflict = await mergePatch('team-a', 'gamma', { metadata: { resourceVersion: listed.metadata.resourceVersion }, spec: { project: 'x' } });
    assert.equal(conflict.status, 409);
    const blind = await mergePatch('team-a', 'gamma', { spec: { project: 'x' } });
    assert.equal(blind.status, 200, 'a patch without resourceVersion is not a precondition');
    assert.equal(stored('team-a', 'gamma').metadata.labels?.touched, 'yes');

    kube.bumpOnNextGet('team-a', 'gamma');
    kube.bumpOnNextGet('team-a', 'gamma');
    const first = (await call('GET', appPath('team-a', 'gamma'))).body as StoredApplication;
    const bumped = stored('team-a', 'gamma');
    assert.ok(Number(bumped.metadata.resourceVersion) > Number(first.metadata.resourceVersion));
    assert.deepEqual(bumped.spec, first.spec);
    assert.ok(bumped.status?.reconciledAt);
    await call('GET', appPath('team-a', 'gamma'));
    assert.equal(stored('team-a', 'gamma').metadata.resourceVersion, bumped.metadata.resourceVersion, 'once per call');
  });

  it('validates Events: names required, involvedObject in the event namespace, unique names', async () => {
    const events = '/api/v1/namespaces/argocd/events';
    const event = (name: string, involvedNamespace: string) => ({
      metadata: { name },
      involvedObject: { kind: 'Application', name: 'alpha', namespace: involvedNamespace },
      reason: 'ImagesUpdated',
    });
    assert.equal((await call('POST', events, { body: event('alpha.1', 'argocd') })).status, 201);

    const duplicate = await call('POST', events, { body: event('alpha.1', 'argocd') });
    assert.equal(duplicate.status, 409);
    assert.equal((duplicate.body as Status).reason, 'AlreadyExists');

    const elsewhere = await call('POST', events, { body: event('alpha.2', 'team-a') });
    assert.equal(elsewhere.status, 422);
    assert.equal(
      (elsewhere.body as Status).message,
      'Event "alpha.2" is invalid: involvedObject.namespace: Invalid value: "team-a": does not match event.namespace',
    );

    const unnamed = await call('POST', events, { body: { ...event('', 'argocd'), metadata: {} } });
    assert.equal(unnamed.status, 422);

    const generated = await call('POST', events, { body: { ...event('', 'argocd'), metadata: { generateName: 'alpha.' } } });
    assert.equal(generated.status, 201);
    assert.match((generated.body as { metadata: { name: string } }).metadata.name, /^alpha\.\w{5}$/);
    assert.deepEqual(kube.events().map((stored) => stored.metadata.name).slice(0, 1), ['alpha.1']);
  });

  it('records each request with method, path, query and content type', async () => {
    await mergePatch('argocd', 'alpha', { metadata: { labels: { team: 'a' } } });
    assert.deepEqual(kube.requests().at(-1), {
      method: 'PATCH',
      path: appPath('argocd', 'alpha'),
      query: {},
      contentType: 'application/merge-patch+json',
      body: { metadata: { labels: { team: 'a' } } },
    });
  });

  it('rejects an invalid application given to setApplication', () => {
    const invalid = helmApplication('argocd', 'broken');
    invalid.spec.source = { repoURL: 'x', kustomize: { images: [42 as unknown as string] } };
    assert.throws(() => kube.setApplication(invalid), /spec\.source\.kustomize\.images\[0\] in body must be of type string/);
  });
});
