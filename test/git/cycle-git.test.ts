// Write-back method `git` end to end: the real docker-registry, the Kubernetes API double, and a
// real git server (git http-backend over smart HTTP with basic auth), asserted with the git CLI.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Application } from '../../lib/model';
import { helmApp, kustomizeApp } from '../support/applications';
import { startGitServer, type GitServer } from '../support/git-server';
import { cycle, pushTags, seed, startFixture, type Fixture } from '../cycle/fixture';

const PASSWORD = 'correct-horse-battery';
const REPOSITORY_LABEL = { 'argocd.argoproj.io/secret-type': 'repository' };
const REPO_CREDS_LABEL = { 'argocd.argoproj.io/secret-type': 'repo-creds' };

let fixture: Fixture;
let server: GitServer;
let host: string;

before(async () => {
  [fixture, server] = await Promise.all([startFixture(), startGitServer({ users: { bot: PASSWORD } })]);
  host = fixture.registry.host;
  await pushTags(fixture.registry, 'team/web', ['1.0.0', '1.1.0']);
  await pushTags(fixture.registry, 'team/api', ['2.0.0', '2.1.0']);
});

after(async () => {
  await Promise.all([fixture?.stop(), server?.stop()]);
});

const KUSTOMIZATION = `# web: managed by hand, images by the updater
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization

resources:
  - deployment.yaml   # the app

images:
  # the web image
  - name: REGISTRY/team/web
    newTag: 1.0.0

  - name: busybox
    newTag: "1.36"
`;

function webApp(namespace: string, repository: string, settings: Record<string, string> = {}): Application {
  const app = kustomizeApp({
    name: 'web',
    namespace,
    settings: { 'image-list': `web=${host}/team/web`, 'write-back-method': 'git', 'write-back-target': 'kustomization', ...settings },
    liveImages: [`${host}/team/web:1.0.0`],
  });
  (app.spec.source as { repoURL: string }).repoURL = repository;
  return app;
}

function apiApp(namespace: string, repository: string, settings: Record<string, string> = {}): Application {
  const app = kustomizeApp({
    name: 'api',
    namespace,
    settings: { 'image-list': `api=${host}/team/api`, 'write-back-method': 'git', ...settings },
    liveImages: [`${host}/team/api:2.0.0`],
    images: ['busybox:1.36'],
  });
  (app.spec.source as { repoURL: string }).repoURL = repository;
  return app;
}

function repositorySecret(namespace: string, name: string, url: string, password = PASSWORD, labels = REPOSITORY_LABEL): void {
  fixture.kube.setSecret({ namespace, name, labels, data: { url, username: 'bot', password, type: 'git' } });
}

describe('git write-back', () => {
  test('two apps in one repository: one fetch, one push, a commit each, only the changed lines move', async () => {
    const ns = 'git-two';
    await server.createRepository('deploy', {
      'apps/web/kustomization.yaml': KUSTOMIZATION.replace('REGISTRY', host),
      'apps/api/kustomization.yaml': 'resources: []\n',
    });
    repositorySecret(ns, 'deploy-repo', server.url('deploy'));
    seed(fixture, [webApp(ns, server.url('deploy')), apiApp(ns, server.url('deploy'))]);
    const before = { ...server.counts };

    const run = await cycle(fixture, ns, { argocdNamespace: ns });

    assert.equal(run.summary.errors, 0, JSON.stringify(run.log.lines.filter((l) => l.fields?.outcome === 'error')));
    assert.equal(run.summary.imagesUpdated, 2);
    assert.equal(server.counts.fetches - before.fetches, 1, 'one fetch');
    assert.equal(server.counts.pushes - before.pushes, 1, 'one push');
    const log = await server.log('deploy', 'main');
    assert.equal(log.length, 3, 'a commit per application on top of the initial one');
    for (const commit of log.slice(0, 2)) {
      assert.equal(commit.author, 'argocd-image-updater');
      assert.equal(commit.email, 'noreply@argoproj.io');
      assert.match(commit.subject, /^build: automatic update of (web|api)$/);
    }
    assert.ok(log.some((commit) => commit.body === "updates image team/web tag '1.0.0' to '1.1.0'"));

    const expected = KUSTOMIZATION.replace('REGISTRY', host).replace('newTag: 1.0.0', 'newTag: 1.1.0');
    assert.equal(await server.read('deploy', 'main', 'apps/web/kustomization.yaml'), expected, 'byte for byte outside the changed line');
    assert.equal(
      await server.read('deploy', 'main', 'apps/api/.argocd-source-api.yaml'),
      `kustomize:\n  images:\n  - busybox:1.36\n  - ${host}/team/api:2.1.0\n`,
    );
    assert.equal(fixture.kube.application(ns, 'web')?.spec.source?.kustomize, undefined, 'the Application is not patched');
    const events = fixture.kube.events().filter((event) => event.metadata.namespace === ns);
    assert.deepEqual(events.map((event) => event.reason), ['ImagesUpdated', 'ImagesUpdated']);

    // Committed but not yet synced: the next run finds the files as wanted and writes nothing.
    const again = await cycle(fixture, ns, { argocdNamespace: ns });
    assert.equal(again.summary.errors, 0);
    assert.equal((await server.log('deploy', 'main')).length, 3, 'no new commit');
    assert.equal(server.counts.pushes - before.pushes, 1, 'no new push');
  });

  test('someone pushes between our fetch and our push: fetch again, re-apply, push; their commit is kept', async () => {
    const ns = 'git-race';
    await server.createRepository('race', { 'apps/web/kustomization.yaml': KUSTOMIZATION.replace('REGISTRY', host) });
    repositorySecret(ns, 'all-of-it', server.origin, PASSWORD, REPO_CREDS_LABEL);
    seed(fixture, [webApp(ns, server.url('race'))]);
    let theirs = '';
    server.beforeNextPush(async () => {
      theirs = await server.commit('race', 'main', { 'README.md': 'hello\n' }, 'docs: readme');
    });

    const run = await cycle(fixture, ns, { argocdNamespace: ns });

    assert.equal(run.summary.errors, 0, JSON.stringify(run.log.lines.filter((l) => l.fields?.outcome === 'error')));
    const log = await server.log('race', 'main');
    assert.deepEqual(log.map((commit) => commit.subject), ['build: automatic update of web', 'docs: readme', 'initial']);
    assert.equal(log[1]?.sha, theirs);
    assert.equal(await server.read('race', 'main', 'README.md'), 'hello\n');
    assert.match((await server.read('race', 'main', 'apps/web/kustomization.yaml')) ?? '', /newTag: 1\.1\.0/);
  });

  test('a wrong password fails only that application, and is never logged', async () => {
    const ns = 'git-auth';
    await server.createRepository('alpha', { 'apps/web/kustomization.yaml': KUSTOMIZATION.replace('REGISTRY', host) });
    await server.createRepository('beta', { 'apps/api/kustomization.yaml': 'resources: []\n' });
    fixture.kube.setSecret({ namespace: ns, name: 'wrong', data: { username: 'bot', password: 'not-the-password-123' } });
    fixture.kube.setSecret({ namespace: ns, name: 'right', data: { username: 'bot', password: PASSWORD } });
    seed(fixture, [
      webApp(ns, server.url('alpha'), { 'write-back-method': `git:secret:${ns}/wrong` }),
      apiApp(ns, server.url('beta'), { 'write-back-method': `git:secret:${ns}/right` }),
    ]);

    const run = await cycle(fixture, ns, { argocdNamespace: 'argocd' });

    const errors = run.log.lines.filter((line) => line.fields?.outcome === 'error');
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.fields?.app, `${ns}/web`);
    assert.match(String(errors[0]?.fields?.reason), /authentication failed/);
    assert.equal((await server.log('alpha', 'main')).length, 1, 'nothing pushed to alpha');
    assert.equal((await server.log('beta', 'main')).length, 2, 'beta written');
    assert.equal(await server.read('beta', 'main', `apps/api/.argocd-source-${ns}_api.yaml`) !== undefined, true, 'outside Argo CD\'s namespace: <ns>_<app>');
    assert.doesNotMatch(JSON.stringify(run.log.lines), /not-the-password-123|correct-horse-battery/);
  });

  test('helm values on a templated write branch, reused on the next run; the base branch is untouched', async () => {
    const ns = 'git-helm';
    const values = '# web chart\nimage:\n  repository: team/web   # short form\n  tag: 1.0.0\n\nreplicaCount: 2\n';
    await server.createRepository('charts', { 'charts/web/values.yaml': values });
    repositorySecret(ns, 'charts-repo', server.url('charts'));
    const app = helmApp({
      name: 'web',
      namespace: ns,
      settings: {
        'image-list': `web=${host}/team/web`,
        'web.helm.image-name': 'image.repository',
        'web.helm.image-tag': 'image.tag',
        'write-back-method': 'git',
        'git-repository': server.url('charts'),
        'git-branch': 'main:image-updater/{{range .Images}}{{.Alias}}-{{.NewTag}}{{end}}',
        'write-back-target': 'helmvalues:/charts/web/values.yaml',
      },
      liveImages: [`${host}/team/web:1.0.0`],
    });
    seed(fixture, [app]);

    const run = await cycle(fixture, ns, { argocdNamespace: ns });

    assert.equal(run.summary.errors, 0, JSON.stringify(run.log.lines.filter((l) => l.fields?.outcome === 'error')));
    assert.deepEqual(await server.branches('charts'), ['image-updater/web-1.1.0', 'main']);
    assert.equal(await server.read('charts', 'main', 'charts/web/values.yaml'), values, 'main untouched');
    assert.equal(
      await server.read('charts', 'image-updater/web-1.1.0', 'charts/web/values.yaml'),
      values.replace('tag: 1.0.0', 'tag: 1.1.0'),
      'short name kept, only the tag moves',
    );
    await cycle(fixture, ns, { argocdNamespace: ns });
    assert.equal((await server.log('charts', 'image-updater/web-1.1.0')).length, 2, 'the write branch is reused, no second commit');
  });

  test('dry run fetches and pushes nothing; an ssh URL is a clear error for its application only', async () => {
    const ns = 'git-dry';
    await server.createRepository('dry', { 'apps/web/kustomization.yaml': KUSTOMIZATION.replace('REGISTRY', host) });
    repositorySecret(ns, 'dry-repo', server.url('dry'));
    seed(fixture, [webApp(ns, server.url('dry')), apiApp(ns, 'git@github.com:team/deploy.git')]);
    const before = { ...server.counts };

    const dry = await cycle(fixture, ns, { argocdNamespace: ns, dryRun: 'true' });
    assert.equal(server.counts.requests, before.requests, 'no git traffic in a dry run');
    assert.equal(dry.summary.errors, 0);

    const run = await cycle(fixture, ns, { argocdNamespace: ns });
    const errors = run.log.lines.filter((line) => line.fields?.outcome === 'error');
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.fields?.app, `${ns}/api`);
    assert.match(String(errors[0]?.fields?.reason), /ssh URLs are not supported.*https/);
    assert.equal((await server.log('dry', 'main')).length, 2, 'the other application is written');
  });
});
