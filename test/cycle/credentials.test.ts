// Registry credentials from the cluster: `pull-secret` annotations read Kubernetes Secrets each
// cycle, the registry checks them (Basic auth on the real docker-registry), and no log line ever
// carries a password.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RequestTally, runCycle } from '../../lib/cycle';
import { parseOptions } from '../../lib/config';
import { kustomizeApp } from '../support/applications';
import { startKubeApi, type KubeApiDouble } from '../support/kube-api';
import { pushImage, registriesConfFor, startRegistry, type RunningRegistry } from '../support/registry';
import { captureLog } from './fixture';

const USER = { username: 'robot', password: 'pa55-w0rd-never-logged' };
let registry: RunningRegistry;
let kube: KubeApiDouble;

before(async () => {
  registry = await startRegistry({ auth: 'basic', users: [USER] });
  for (const tag of ['2.0.0', '2.1.0']) await pushImage(registry, 'private/api', tag, { auth: USER });
  const dockerConfig = { auths: { [registry.host]: { auth: Buffer.from(`${USER.username}:${USER.password}`).toString('base64') } } };
  kube = await startKubeApi({
    tls: true,
    secrets: [
      { namespace: 'argocd', name: 'regcred', type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': JSON.stringify(dockerConfig) } },
      { namespace: 'argocd', name: 'plain', data: { creds: `${USER.username}:${USER.password}` } },
      { namespace: 'argocd', name: 'stale', data: { creds: `${USER.username}:an-old-password` } },
    ],
  });
});

after(async () => {
  await Promise.all([registry?.stop(), kube?.stop()]);
});

function app(name: string, pullSecret: string) {
  return kustomizeApp({
    name,
    namespace: 'creds',
    settings: { 'image-list': `api=${registry.host}/private/api`, 'api.pull-secret': pullSecret },
    liveImages: [`${registry.host}/private/api:2.0.0`],
  });
}

test('pullsecret: and secret: references authenticate; a wrong password fails that app only, unlogged', async () => {
  kube.setApplication(app('docker-config', 'pullsecret:argocd/regcred'));
  kube.setApplication(app('field', 'secret:argocd/plain#creds'));
  kube.setApplication(app('stale', 'secret:argocd/stale#creds'));
  kube.setApplication(app('anonymous', 'env:IMAGE_UPDATER_TEST_UNSET_VARIABLE'));
  const log = captureLog();
  const summary = await runCycle(kube.kubeConfig(), parseOptions({ applicationNamespace: 'creds', secretNamespaces: 'argocd', registriesConfPath: registriesConfFor([registry], { insecure: true }) }), { log }, new RequestTally());

  const images = (name: string) => kube.application('creds', name)?.spec.source?.kustomize?.images;
  assert.deepEqual(images('docker-config'), [`${registry.host}/private/api:2.1.0`]);
  assert.deepEqual(images('field'), [`${registry.host}/private/api:2.1.0`]);
  assert.equal(images('stale'), undefined);
  assert.equal(images('anonymous'), undefined);
  assert.equal(summary.errors, 2);

  const errors = log.lines.filter((line) => line.level === 'error').map((line) => line.message);
  assert.ok(errors.some((m) => m.includes('creds/stale') && /401|unauthori[sz]ed|credentials/i.test(m)), errors.join('\n'));
  assert.ok(errors.some((m) => m.includes('creds/anonymous') && m.includes('IMAGE_UPDATER_TEST_UNSET_VARIABLE')), errors.join('\n'));
  const everything = JSON.stringify(log.lines);
  for (const secret of [USER.password, 'an-old-password']) assert.ok(!everything.includes(secret), `${secret} was logged`);
});
