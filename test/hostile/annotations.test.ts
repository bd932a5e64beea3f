// A hostile application owner, end to end: the real docker-registry (Basic auth, configured by the
// operator in registries.conf), the Kubernetes API double, and annotations written to steal the
// function's credentials, reach other namespaces' secrets or stall the run. Each attempt is an
// error naming the application and the annotation; nothing is run, read, sent or written for it,
// and the honest application in the same cycle is updated.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseOptions } from '../../lib/config';
import { RequestTally, runCycle } from '../../lib/cycle';
import { captureLog } from '../cycle/fixture';
import { kustomizeApp } from '../support/applications';
import { startKubeApi, type KubeApiDouble } from '../support/kube-api';
import { pushImage, registriesConfFor, startRegistry, type RunningRegistry } from '../support/registry';

const USER = { username: 'robot', password: 'hostile-suite-password-1' };
const NAMESPACE = 'team-a';
let registry: RunningRegistry;
let kube: KubeApiDouble;
let spyMarker: string;
let spyScript: string;

before(async () => {
  registry = await startRegistry({ auth: 'basic', users: [USER] });
  for (const tag of ['2.0.0', '2.1.0', 'a'.repeat(100)]) await pushImage(registry, 'private/api', tag, { auth: USER });
  const dir = mkdtempSync(join(tmpdir(), 'hostile-'));
  spyMarker = join(dir, 'ran');
  spyScript = join(dir, 'spy.sh');
  writeFileSync(spyScript, `#!/bin/sh\ntouch ${spyMarker}\necho "robot:${USER.password}"\n`, { mode: 0o755 });
  const auth = (host: string) => JSON.stringify({ auths: { [host]: { auth: Buffer.from(`${USER.username}:${USER.password}`).toString('base64') } } });
  kube = await startKubeApi({
    tls: true,
    secrets: [
      { namespace: NAMESPACE, name: 'regcred', type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': auth(registry.host) } },
      { namespace: NAMESPACE, name: 'lookalike', type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': auth(`${registry.host}0`) } },
      { namespace: 'kube-system', name: 'admin', data: { creds: `${USER.username}:${USER.password}` } },
    ],
  });
});

after(async () => {
  await Promise.all([registry?.stop(), kube?.stop()]);
});

function app(name: string, settings: Record<string, string>) {
  return kustomizeApp({
    name,
    namespace: NAMESPACE,
    settings: { 'image-list': `api=${registry.host}/private/api`, ...settings },
    liveImages: [`${registry.host}/private/api:2.0.0`],
  });
}

async function runHostileCycle(extra: Record<string, string> = {}) {
  const log = captureLog();
  const tally = new RequestTally();
  const options = parseOptions({ applicationNamespace: NAMESPACE, registriesConfPath: registriesConfFor([registry], { insecure: true }), ...extra });
  const summary = await runCycle(kube.kubeConfig(), options, { log }, tally);
  const errors = log.lines.filter((line) => line.level === 'error').map((line) => line.message);
  return { summary, errors, log, tally };
}

const images = (name: string) => kube.application(NAMESPACE, name)?.spec.source?.kustomize?.images;

test('pull secrets: no program runs, no environment variable leaves, no other namespace is read', async () => {
  process.env.IMAGE_UPDATER_HOSTILE_TEST_SECRET = `${USER.username}:${USER.password}`;
  try {
    for (const [name, reference] of [
      ['ext', `ext:${spyScript}`],
      ['env', 'env:IMAGE_UPDATER_HOSTILE_TEST_SECRET'],
      ['other-namespace', 'secret:kube-system/admin#creds'],
      ['lookalike-host', 'pullsecret:team-a/lookalike'],
      ['honest', 'pullsecret:team-a/regcred'],
    ] as const) {
      kube.setApplication(app(name, { 'api.pull-secret': reference }));
    }
    const before = kube.requests().length;
    const { errors } = await runHostileCycle();

    assert.deepEqual(images('honest'), [`${registry.host}/private/api:2.1.0`], 'the honest application is updated');
    for (const name of ['ext', 'env', 'other-namespace', 'lookalike-host']) assert.equal(images(name), undefined, `${name} is not written`);
    assert.equal(existsSync(spyMarker), false, 'the ext: script never ran');
    const expectations: [string, RegExp][] = [
      ['ext', /annotation argocd-image-updater\.argoproj\.io\/api\.pull-secret="ext:.*": ext: credentials are accepted only in registries\.conf/],
      ['env', /api\.pull-secret="env:IMAGE_UPDATER_HOSTILE_TEST_SECRET": env: credentials are accepted only in registries\.conf/],
      ['other-namespace', /api\.pull-secret="secret:kube-system\/admin#creds": secret namespace "kube-system" is not the application's namespace "team-a"/],
      ['lookalike-host', /no entry for 127\.0\.0\.1:\d+ in the pull secret/],
    ];
    for (const [name, message] of expectations) {
      assert.ok(errors.some((line) => line.includes(`${NAMESPACE}/${name}`) && message.test(line)), `${name}:\n${errors.join('\n')}`);
    }
    const secretReads = kube.requests().slice(before).filter((request) => request.path.includes('/secrets/'));
    assert.ok(secretReads.every((request) => request.path.includes(`/namespaces/${NAMESPACE}/`)), 'no secret of another namespace is read');
  } finally {
    delete process.env.IMAGE_UPDATER_HOSTILE_TEST_SECRET;
  }
});

test('the operator may allow more secret namespaces', async () => {
  kube.setApplication(app('widened', { 'api.pull-secret': 'secret:kube-system/admin#creds' }));
  await runHostileCycle({ secretNamespaces: 'kube-system', matchApplicationName: 'widened' });
  assert.deepEqual(images('widened'), [`${registry.host}/private/api:2.1.0`]);
});

test('an oversized image-list costs no registry request; a catastrophic allow-tags regexp does not stall', async () => {
  const huge = Array.from({ length: 20_000 }, (_, index) => `i${index}=${registry.host}/private/api`).join(',');
  kube.setApplication(app('huge', { 'image-list': huge }));
  const oversized = await runHostileCycle({ matchApplicationName: 'huge' });
  assert.equal(oversized.tally.registryRequests, 0);
  assert.ok(oversized.errors.some((line) => line.includes(`${NAMESPACE}/huge`) && /annotation argocd-image-updater\.argoproj\.io\/image-list=".{1,80}…": \d+ characters, more than/.test(line)));
  assert.ok(JSON.stringify(oversized.log.lines).length < 10_000, 'the log does not repeat the value');

  kube.setApplication(app('redos', { 'api.pull-secret': 'pullsecret:team-a/regcred', 'api.allow-tags': 'regexp:^(a+)+$', 'api.update-strategy': 'alphabetical' }));
  const started = Date.now();
  const redos = await runHostileCycle({ matchApplicationName: 'redos' });
  assert.equal(redos.summary.errors, 0);
  assert.ok(Date.now() - started < 20_000, 'the cycle finishes');
  assert.deepEqual(images('redos'), [`${registry.host}/private/api:${'a'.repeat(100)}`]);
});

test('names written into the spec must fit their grammars', async () => {
  kube.setApplication(app('helm-injection', { 'api.kustomize.image-name': 'x=evil.example/x', 'api.pull-secret': 'pullsecret:team-a/regcred' }));
  const { errors } = await runHostileCycle({ matchApplicationName: 'helm-injection' });
  assert.equal(images('helm-injection'), undefined);
  assert.ok(errors.some((line) => /api\.kustomize\.image-name="x=evil\.example\/x": not an image name/.test(line)), errors.join('\n'));
});

test('a 409 retry re-reads the annotations: an owner who removed image-list meanwhile gets nothing written', async () => {
  kube.setApplication(app('withdrawn', { 'api.pull-secret': 'pullsecret:team-a/regcred' }));
  kube.changeAfterList(NAMESPACE, 'withdrawn', (stored) => {
    const annotations = { ...stored.metadata.annotations };
    delete annotations['argocd-image-updater.argoproj.io/image-list'];
    stored.metadata.annotations = annotations;
  });
  const { log } = await runHostileCycle({ matchApplicationName: 'withdrawn' });
  assert.equal(images('withdrawn'), undefined, 'nothing written');
  assert.ok(log.lines.some((line) => /annotations changed while it was being written/.test(line.message)), JSON.stringify(log.lines));
});
