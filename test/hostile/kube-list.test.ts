// An API server whose Application list never ends: the `continue` token repeats, or a new one
// comes with every page. The list fails with a clear error instead of looping forever.
import assert from 'node:assert/strict';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, test } from 'node:test';
import { ApplicationsApi } from '../../lib/kube/applications';
import { sendJson, startStub, type StubServer } from '../registry/stub-server';

let server: StubServer | undefined;

afterEach(async () => {
  await server?.stop();
});

function kubeConfigFor(url: string): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'stub', server: url, skipTLSVerify: true }],
    users: [{ name: 'stub', token: 'unused' }],
    contexts: [{ name: 'stub', cluster: 'stub', user: 'stub' }],
    currentContext: 'stub',
  });
  return config;
}

const page = (token: string) => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'ApplicationList', items: [], metadata: { continue: token } });

test('a continue token sent twice ends the list with an error', async () => {
  server = await startStub((_request, response) => sendJson(response, 200, page('again')));
  const api = new ApplicationsApi(kubeConfigFor(server.url));
  await assert.rejects(api.list({}), /listing Applications: the API server sent the same continue token twice/);
  assert.equal(server.requests.length, 2);
});

test('a list that never stops paging is cut at 1,000 pages', async () => {
  let pages = 0;
  server = await startStub((_request, response) => sendJson(response, 200, page(`token-${pages++}`)));
  const api = new ApplicationsApi(kubeConfigFor(server.url));
  await assert.rejects(api.list({ namespace: 'argocd' }), /listing Applications: more than 1000 pages/);
  assert.equal(server.requests.length, 1000);
});
