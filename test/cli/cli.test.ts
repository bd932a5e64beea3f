// The built `image-updater` binary, run as a user runs it, against the real registry and the
// Kubernetes API double. `run` configures the loopback registry in registries.conf, as an operator
// must; `test` names it on the command line, which needs none.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { kustomizeApp } from '../support/applications';
import { startKubeApi, type KubeApiDouble } from '../support/kube-api';
import { registriesConfFor, startRegistry, type RunningRegistry } from '../support/registry';
import { pushTags } from '../cycle/fixture';

const BIN = join(process.cwd(), 'dist', 'image-updater.js');
let registry: RunningRegistry;
let kube: KubeApiDouble;
let image: string;
let stableDigest: string | undefined;
let registriesConf: string;

before(async () => {
  execFileSync(process.execPath, ['scripts/build.mjs']);
  registry = await startRegistry();
  kube = await startKubeApi({ tls: true, imageUpdaterCrd: true });
  image = `${registry.host}/nginxinc/nginx-unprivileged`;
  registriesConf = registriesConfFor([registry]);
  await pushTags(registry, 'nginxinc/nginx-unprivileged', ['1.26.0', '1.27.0', '1.27.2', '1.27.3-rc.1', '1.28.0']);
  stableDigest = (await pushTags(registry, 'team/mutable', ['stable'])).stable;
});

after(async () => {
  await Promise.all([registry?.stop(), kube?.stop()]);
});

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Asynchronous on purpose: the API double answers from this process. */
async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH, HOME: mkdtempSync(join(tmpdir(), 'cli-home-')), IMAGE_UPDATER_REGISTRIES_CONF: registriesConf, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

function seedWorkedExample(namespace: string): void {
  kube.setApplication(
    kustomizeApp({
      name: 'web',
      namespace,
      settings: { 'image-list': `app=${image}`, 'app.update-strategy': 'semver', 'app.semver': '>=1.27.0 <1.28.0', 'write-back-method': 'argocd', interval: '1m' },
      liveImages: [`${image}:1.27.0`],
    }),
  );
}

test('run --once updates the worked example and prints JSON decision and summary lines', async () => {
  seedWorkedExample('cli-run');
  const result = await cli(['run', '--once', '--kubeconfig', kube.kubeconfigPath(), '--application-namespace', 'cli-run']);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(kube.application('cli-run', 'web')?.spec.source?.kustomize?.images, [`${image}:1.27.2`]);
  const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(
    lines.map((line) => [line.level, line.outcome ?? 'summary']),
    [
      ['INFO', 'updated'],
      ['INFO', 'summary'],
    ],
  );
  assert.equal(lines[0]?.to, `${image}:1.27.2`);
});

test('the environment twins work: IMAGE_UPDATER_DRY_RUN and KUBECONFIG', async () => {
  seedWorkedExample('cli-env');
  const result = await cli(['run', '--once'], {
    KUBECONFIG: kube.kubeconfigPath(),
    IMAGE_UPDATER_DRY_RUN: 'true',
    IMAGE_UPDATER_APPLICATION_NAMESPACE: 'cli-env',
  });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /would update cli-env\/web/);
  assert.equal(kube.application('cli-env', 'web')?.spec.source?.kustomize?.images, undefined);
});

test('no cluster, an unreadable kubeconfig or a bad flag: non-zero exit and a one-line reason', async () => {
  const none = await cli(['run', '--once']);
  assert.equal(none.code, 1);
  assert.equal(none.stderr.trim(), 'image-updater: no cluster configured: pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config');
  const missing = await cli(['run', '--once', '--kubeconfig', '/nonexistent/kubeconfig']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^image-updater: cannot read kubeconfig \/nonexistent\/kubeconfig/);
  const badFlag = await cli(['run', '--once', '--frobnicate']);
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /--frobnicate/);
  const badEnv = await cli(['run', '--once', '--kubeconfig', kube.kubeconfigPath()], { IMAGE_UPDATER_MAX_CONCURRENCY: 'lots' });
  assert.equal(badEnv.code, 1);
  assert.match(badEnv.stderr, /IMAGE_UPDATER_MAX_CONCURRENCY="lots"/);
});

test('test IMAGE prints the image the strategy would pick, touching nothing', async () => {
  const semver = await cli(['test', `${image}:1.27.0`, '--semver-constraint', '>=1.27.0 <1.28.0']);
  assert.equal(semver.code, 0, semver.stderr);
  assert.equal(semver.stdout, `latest image according to constraint is ${image}:1.27.2\n`);
  const ignoring = await cli(['test', image, '--update-strategy', 'alphabetical', '--ignore-tags', '1.28.*', '--ignore-tags', '*-rc.*']);
  assert.equal(ignoring.stdout, `latest image according to constraint is ${image}:1.27.2\n`);
  const digest = await cli(['test', `${registry.host}/team/mutable:stable`, '--update-strategy', 'digest']);
  assert.equal(digest.stdout, `latest image according to constraint is ${registry.host}/team/mutable:stable@${stableDigest}\n`);
  const nothing = await cli(['test', image, '--semver-constraint', '>=2.0.0']);
  assert.match(nothing.stdout, /^no newer version of image found/);
});

test('migrate prints ImageUpdater resources the real CRD accepts, and they update as the annotations did', async () => {
  seedWorkedExample('cli-migrate');
  const result = await cli(['migrate', '--kubeconfig', kube.kubeconfigPath(), '--application-namespace', 'cli-migrate']);
  assert.equal(result.code, 0, result.stderr);
  const documents = parseAllDocuments(result.stdout).map((document) => document.toJS() as { metadata: { namespace: string } });
  assert.deepEqual(documents.map((document) => document.metadata.namespace), ['cli-migrate']);
  for (const document of documents) kube.setImageUpdater(document);

  const app = kube.application('cli-migrate', 'web');
  assert.ok(app);
  kube.setApplication({ ...app, metadata: { ...app.metadata, annotations: {} } });
  const run = await cli(['run', '--once', '--kubeconfig', kube.kubeconfigPath(), '--application-namespace', 'cli-migrate']);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(kube.application('cli-migrate', 'web')?.spec.source?.kustomize?.images, [`${image}:1.27.2`]);
  assert.equal(kube.imageUpdater('cli-migrate', 'migrated-from-annotations')?.status?.applicationsMatched, 1);
});

test('npm start without a cluster: the sandbox moves argocd/web from 1.27.0 to 1.27.4, never 1.28.0 nor the pre-release', { timeout: 120_000 }, async () => {
  const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', 'scripts/sandbox.ts'], { timeout: 110_000 }, (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve({ stdout: out, stderr: err })));
  });
  assert.match(stderr, /\nApplication argocd\/web spec\.source\.kustomize\.images: \["ghcr\.io\/nginxinc\/nginx-unprivileged:1\.27\.4"\]/);
  const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as { level: string; message: string });
  assert.deepEqual(
    lines.map((line) => `${line.level} ${line.message.split(':')[0]}`),
    ['INFO updated argocd/web app', 'INFO Processing results'],
    'one update line and the summary: nothing else at the default level',
  );
});
