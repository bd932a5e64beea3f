// `serverless invoke local`, as the README shows it: osls builds the ESM bundle with
// serverless-esbuild and runs its handler against the cluster of KUBECONFIG, no EKS needed.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { kustomizeApp } from '../support/applications';
import { startKubeApi, type KubeApiDouble } from '../support/kube-api';
import { pushImage, registriesConfFor, startRegistry, type RunningRegistry } from '../support/registry';

const ROOT = resolve(import.meta.dirname, '../..');
const TIMEOUT_MS = 120_000;

describe('serverless invoke local', { timeout: TIMEOUT_MS + 30_000 }, () => {
  let registry: RunningRegistry;
  let kube: KubeApiDouble;
  let dir: string;

  before(async () => {
    registry = await startRegistry();
    for (const tag of ['1.27.0', '1.27.4', '1.28.0']) await pushImage(registry, 'nginxinc/nginx-unprivileged', tag);
    const image = `${registry.host}/nginxinc/nginx-unprivileged`;
    kube = await startKubeApi({
      tls: true,
      applications: [kustomizeApp({ name: 'web', settings: { 'image-list': `app=${image}`, 'app.semver': '>=1.27.0 <1.28.0' }, liveImages: [`${image}:1.27.0`] })],
    });
    // A private copy of the service directory: the build folder osls writes is its own.
    dir = mkdtempSync(join(tmpdir(), 'image-updater-invoke-'));
    for (const entry of ['lib', 'functions', 'infra', 'node_modules', 'package.json', 'tsconfig.json']) symlinkSync(join(ROOT, entry), join(dir, entry));
    copyFileSync(join(ROOT, 'serverless.yml'), join(dir, 'serverless.yml'));
    mkdirSync(join(dir, 'home'));
  });
  after(async () => {
    await Promise.all([registry?.stop(), kube?.stop()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs the bundled handler against KUBECONFIG, with the manual-run overrides', async () => {
    const args = [join(ROOT, 'node_modules/osls/bin/serverless.js'), 'invoke', 'local', '-f', 'updateImages', '--data', '{"dryRun":true}'];
    const env = {
      PATH: process.env.PATH,
      HOME: join(dir, 'home'),
      KUBECONFIG: kube.kubeconfigPath(),
      IMAGE_UPDATER_REGISTRIES_CONF: registriesConfFor([registry]),
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
      AWS_ACCESS_KEY_ID: 'AKIAINVOKELOCAL00001',
      AWS_SECRET_ACCESS_KEY: 'invoke-local-test-secret',
      AWS_REGION: 'eu-west-1',
    };
    const output = await new Promise<string>((done, fail) => {
      execFile(process.execPath, args, { cwd: dir, env, timeout: TIMEOUT_MS, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
        if (error) fail(new Error(`serverless invoke local failed (${error.message.split('\n')[0]}):\n${stdout}${stderr}`));
        else done(stdout);
      });
    });
    // The handler's result is the last JSON document osls prints, after the function's own log lines.
    const result = JSON.parse(output.slice(output.lastIndexOf('\n{\n') + 1)) as { clusters: { cluster: string; summary?: { imagesUpdated: number; dryRun: boolean } }[] };
    assert.deepEqual(result.clusters.map((outcome) => [outcome.cluster, outcome.summary?.imagesUpdated, outcome.summary?.dryRun]), [['kube-api-double', 1, true]]);
    assert.match(output, /"message":"would update argocd\/web app: [^"]+:1\.27\.0 → [^"]+:1\.27\.4"/);
    assert.equal(kube.application('argocd', 'web')?.spec.source?.kustomize?.images, undefined, 'a dry run writes nothing');
  });
});
