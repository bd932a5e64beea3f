// Pull requests and GitHub App credentials end to end: the real git server, the Kubernetes API
// double, and a GitHub/GitLab REST API double that verifies the App's JWT with its public key.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Application } from '../../lib/model';
import { kustomizeApp } from '../support/applications';
import { startForgeApi, type ForgeApi } from '../support/forge-api';
import { startGitServer, type GitServer } from '../support/git-server';
import { cycle, pushTags, seed, startFixture, type Fixture } from '../cycle/fixture';

const INSTALLATION_TOKEN = 'ghs_installation-token-0123456789';
const GITLAB_TOKEN = 'glpat-merge-requests-abcdef';
const keys = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });

let fixture: Fixture;
let server: GitServer;
let forge: ForgeApi;
let host: string;

before(async () => {
  [fixture, server, forge] = await Promise.all([
    startFixture(),
    startGitServer({ users: { 'x-access-token': INSTALLATION_TOKEN, bot: GITLAB_TOKEN } }),
    startForgeApi({ githubApp: { appId: '42', installationId: '7', publicKeyPem: keys.publicKey, token: INSTALLATION_TOKEN }, tokens: [INSTALLATION_TOKEN, GITLAB_TOKEN] }),
  ]);
  host = fixture.registry.host;
  await pushTags(fixture.registry, 'team/web', ['1.0.0', '1.1.0']);
});

after(async () => {
  await Promise.all([fixture?.stop(), server?.stop(), forge?.stop()]);
});

function webApp(namespace: string, repository: string, settings: Record<string, string>): Application {
  const app = kustomizeApp({
    name: 'web',
    namespace,
    settings: { 'image-list': `web=${host}/team/web`, 'write-back-target': 'kustomization', ...settings },
    liveImages: [`${host}/team/web:1.0.0`],
  });
  (app.spec.source as { repoURL: string }).repoURL = repository;
  return app;
}

const kustomization = () => `images:\n- name: ${host}/team/web\n  newTag: 1.0.0\n`;
const forgeOptions = () => ({ githubApiUrl: `${forge.origin}/api/v3`, gitlabApiUrl: `${forge.origin}/api/v4` });

describe('pull requests', () => {
  test('GitHub App credentials and a GitHub pull request with labels, opened once', async () => {
    const ns = 'pr-github';
    await server.createRepository('team/deploy', { 'apps/web/kustomization.yaml': kustomization() });
    fixture.kube.setSecret({ namespace: ns, name: 'github-app', data: { githubAppID: '42', githubAppInstallationID: '7', githubAppPrivateKey: keys.privateKey } });
    seed(fixture, [
      webApp(ns, server.url('team/deploy'), {
        'write-back-method': `git:secret:${ns}/github-app`,
        'git-pull-request': 'github',
        'git-pull-request-labels': 'image-updater, automated',
      }),
    ]);

    const run = await cycle(fixture, ns, forgeOptions());

    assert.equal(run.summary.errors, 0, JSON.stringify(run.log.lines.filter((l) => l.fields?.outcome === 'error')));
    const branches = await server.branches('team/deploy');
    const head = branches.find((branch) => branch !== 'main') ?? '';
    assert.match(head, /^image-updater-pr-github-web-[0-9a-f]{64}$/);
    assert.equal(await server.read('team/deploy', 'main', 'apps/web/kustomization.yaml'), kustomization(), 'the base branch is untouched');
    assert.match((await server.read('team/deploy', head, 'apps/web/kustomization.yaml')) ?? '', /newTag: 1\.1\.0/);
    assert.deepEqual(
      forge.opened.map(({ provider, project, head: from, base, title, labels }) => ({ provider, project, from, base, title, labels })),
      [{ provider: 'github', project: 'team/deploy', from: head, base: 'main', title: 'build: automatic update of web', labels: ['image-updater', 'automated'] }],
    );
    assert.equal(forge.requests.filter((r) => r.path.endsWith('/access_tokens')).length, 1, 'one installation token per run');

    // Not merged yet: the next run finds its change on the branch and the request open.
    const again = await cycle(fixture, ns, forgeOptions());
    assert.equal(again.summary.errors, 0);
    assert.equal(forge.opened.length, 1, 'no second pull request');
    assert.equal((await server.log('team/deploy', head)).length, 2, 'no second commit');
    assert.doesNotMatch(JSON.stringify(run.log.lines), /ghs_installation|BEGIN PRIVATE KEY/);
  });

  test('a GitLab merge request with labels, through repocreds', async () => {
    const ns = 'pr-gitlab';
    await server.createRepository('group/sub/app', { 'apps/web/kustomization.yaml': kustomization() });
    fixture.kube.setSecret({
      namespace: ns,
      name: 'gitlab',
      labels: { 'argocd.argoproj.io/secret-type': 'repo-creds' },
      data: { url: `${server.origin}/group`, username: 'bot', password: GITLAB_TOKEN },
    });
    seed(fixture, [webApp(ns, server.url('group/sub/app'), { 'write-back-method': 'git', 'git-branch': 'main:updates/{{.AppName}}', 'git-pull-request': 'gitlab', 'git-pull-request-labels': 'deps' })]);

    const run = await cycle(fixture, ns, { ...forgeOptions(), argocdNamespace: ns });

    assert.equal(run.summary.errors, 0, JSON.stringify(run.log.lines.filter((l) => l.fields?.outcome === 'error')));
    const merge = forge.opened.find((request) => request.provider === 'gitlab');
    assert.deepEqual(merge && { project: merge.project, head: merge.head, base: merge.base, labels: merge.labels }, { project: 'group/sub/app', head: 'updates/web', base: 'main', labels: ['deps'] });
    assert.match(merge?.body ?? '', /updates image team\/web tag '1\.0\.0' to '1\.1\.0'/);
  });

  test('a GitHub App key the forge does not know fails that application, naming the app, not the key', async () => {
    const ns = 'pr-badkey';
    await server.createRepository('team/badkey', { 'apps/web/kustomization.yaml': kustomization() });
    const other = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    fixture.kube.setSecret({ namespace: ns, name: 'github-app', data: { githubAppID: '42', githubAppInstallationID: '7', githubAppPrivateKey: other.privateKey } });
    seed(fixture, [webApp(ns, server.url('team/badkey'), { 'write-back-method': `git:secret:${ns}/github-app` })]);

    const run = await cycle(fixture, ns, forgeOptions());

    const errors = run.log.lines.filter((line) => line.fields?.outcome === 'error');
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]?.fields?.reason), /GitHub App 42: installation 7 token request answered HTTP 401/);
    assert.equal((await server.log('team/badkey', 'main')).length, 1);
    assert.doesNotMatch(JSON.stringify(run.log.lines), /BEGIN PRIVATE KEY/);
  });
});
