// Rollout safety end to end: the real docker-registry, the Kubernetes API double playing the Argo CD
// controller between runs (health, sync, operations), and for git the real git server. The
// updater's memory lives only in annotations it owns on each Application.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Application } from '../../lib/model';
import { kustomizeApp } from '../support/applications';
import { startGitServer, type GitServer } from '../support/git-server';
import { cycle, pushTags, seed, startFixture, type CycleRun, type Fixture } from './fixture';

const PREFIX = 'argocd-image-updater.argoproj.io/';
const PASSWORD = 'correct-horse-battery';

let fixture: Fixture;
let git: GitServer;
let host: string;

before(async () => {
  [fixture, git] = await Promise.all([startFixture(), startGitServer({ users: { bot: PASSWORD } })]);
  host = fixture.registry.host;
});

after(async () => {
  await Promise.all([fixture?.stop(), git?.stop()]);
});

/** A Kustomize app tracking `repository` with semver, running `running`, reported Synced and Healthy. */
function app(namespace: string, repository: string, running: string, settings: Record<string, string> = {}): Application {
  const application = kustomizeApp({
    name: 'web',
    namespace,
    settings: { 'image-list': `app=${host}/${repository}`, 'write-back-method': 'argocd', ...settings },
    liveImages: [`${host}/${repository}:${running}`],
  });
  application.status = { ...application.status, sync: { status: 'Synced' }, health: { status: 'Healthy' } };
  return application;
}

function specImages(namespace: string): string[] | undefined {
  return fixture.kube.application(namespace, 'web')?.spec.source?.kustomize?.images;
}

function annotation(namespace: string, key: string): string | undefined {
  return fixture.kube.application(namespace, 'web')?.metadata.annotations?.[PREFIX + key];
}

/** Lines above DEBUG other than the summary. */
function notable(run: CycleRun): { level: string; message: string; fields?: Record<string, unknown> }[] {
  return run.log.lines.filter((line) => line.level !== 'debug' && !line.message.startsWith('Processing results'));
}

/** Argo CD's repository Secret for `repository` of the git server, in the app's namespace. */
function repositorySecret(namespace: string, repository: string): void {
  fixture.kube.setSecret({
    namespace,
    name: 'repo',
    labels: { 'argocd.argoproj.io/secret-type': 'repository' },
    data: { url: git.url(repository), username: 'bot', password: PASSWORD, type: 'git' },
  });
}

function setAnnotations(namespace: string, change: Record<string, string | undefined>): void {
  const current = fixture.kube.application(namespace, 'web');
  assert.ok(current);
  const annotations = { ...current.metadata.annotations };
  for (const [key, value] of Object.entries(change)) {
    if (value === undefined) delete annotations[PREFIX + key];
    else annotations[PREFIX + key] = value;
  }
  fixture.kube.setApplication({ ...current, metadata: { ...current.metadata, annotations } });
}

describe('health gate', () => {
  test('a Progressing app is not updated; the skip is logged once at INFO; once Healthy it is', async () => {
    const ns = 'gate-progressing';
    await pushTags(fixture.registry, 'gate/web', ['1.0.0', '1.1.0']);
    seed(fixture, [app(ns, 'gate/web', '1.0.0', { 'health-gate': 'true' })]);
    fixture.kube.reconcile(ns, 'web', { health: 'Progressing', images: [`${host}/gate/web:1.0.0`] });

    const first = await cycle(fixture, ns);
    assert.equal(first.summary.imagesUpdated, 0);
    assert.equal(specImages(ns), undefined, 'nothing written to the spec');
    const skips = notable(first);
    assert.equal(skips.length, 1, JSON.stringify(skips));
    assert.equal(skips[0]?.level, 'info');
    assert.match(skips[0]?.message ?? '', /health gate: not updating gate-progressing\/web: its health is Progressing, not Healthy; pending: app 1\.0\.0 → 1\.1\.0/);

    const second = await cycle(fixture, ns);
    assert.deepEqual(notable(second), [], 'the same skip is not logged at INFO again');
    assert.equal(specImages(ns), undefined);

    fixture.kube.reconcile(ns, 'web', { health: 'Degraded', images: [`${host}/gate/web:1.0.0`] });
    const third = await cycle(fixture, ns);
    assert.match(notable(third)[0]?.message ?? '', /its health is Degraded/, 'a new reason is logged');

    fixture.kube.reconcile(ns, 'web', { health: 'Healthy', images: [`${host}/gate/web:1.0.0`] });
    const fourth = await cycle(fixture, ns);
    assert.equal(fourth.summary.imagesUpdated, 1);
    assert.deepEqual(specImages(ns), [`${host}/gate/web:1.1.0`]);
    assert.equal(annotation(ns, 'health-gate-skip'), undefined, 'the skip record is cleared by the update');
  });

  test('the operator default gates every app; an app can opt out; OutOfSync is gated', async () => {
    const ns = 'gate-default';
    await pushTags(fixture.registry, 'gate/default', ['1.0.0', '1.1.0']);
    seed(fixture, [app(ns, 'gate/default', '1.0.0')]);
    fixture.kube.reconcile(ns, 'web', { health: 'Healthy', sync: 'OutOfSync', images: [`${host}/gate/default:1.0.0`] });

    const gated = await cycle(fixture, ns, { healthGate: 'true' });
    assert.equal(gated.summary.imagesUpdated, 0);
    assert.match(notable(gated)[0]?.message ?? '', /its sync status is OutOfSync, not Synced/);

    const ungated = await cycle(fixture, ns);
    assert.equal(ungated.summary.imagesUpdated, 1, 'without the operator default the app is not gated');

    const optedOut = 'gate-opt-out';
    seed(fixture, [app(optedOut, 'gate/default', '1.0.0', { 'health-gate': 'false' })]);
    fixture.kube.reconcile(optedOut, 'web', { health: 'Degraded', images: [`${host}/gate/default:1.0.0`] });
    const run = await cycle(fixture, optedOut, { healthGate: 'true' });
    assert.equal(run.summary.imagesUpdated, 1);
  });

  test('while its last update is still progressing an app gets no new one', async () => {
    const ns = 'gate-pending';
    await pushTags(fixture.registry, 'gate/pending', ['1.0.0', '1.1.0']);
    seed(fixture, [app(ns, 'gate/pending', '1.0.0', { 'health-gate': 'true' })]);
    assert.equal((await cycle(fixture, ns)).summary.imagesUpdated, 1);
    assert.deepEqual(specImages(ns), [`${host}/gate/pending:1.1.0`]);

    // A newer version appears before Argo CD has deployed 1.1.0 (it still reports Synced/Healthy from before).
    await pushTags(fixture.registry, 'gate/pending', [{ tag: '1.2.0', created: new Date('2026-02-01T00:00:00Z') }]);
    const waiting = await cycle(fixture, ns);
    assert.equal(waiting.summary.imagesUpdated, 0);
    assert.match(notable(waiting)[0]?.message ?? '', /the last update is still progressing \(app 1\.1\.0 not running yet\)/);
    assert.deepEqual(specImages(ns), [`${host}/gate/pending:1.1.0`]);

    fixture.kube.reconcile(ns, 'web', { health: 'Healthy' });
    assert.equal((await cycle(fixture, ns)).summary.imagesUpdated, 1);
    assert.deepEqual(specImages(ns), [`${host}/gate/pending:1.2.0`]);
  });

  test('a bad health-gate or revert-window value is an error naming the app, the annotation and the value', async () => {
    const ns = 'gate-bad';
    await pushTags(fixture.registry, 'gate/bad', ['1.0.0', '1.1.0']);
    seed(fixture, [app(ns, 'gate/bad', '1.0.0', { 'health-gate': 'yes please', 'revert-window': 'soon' })]);
    const run = await cycle(fixture, ns);
    assert.equal(run.summary.imagesUpdated, 0);
    assert.equal(specImages(ns), undefined);
    const errors = run.log.lines.filter((line) => line.level === 'error').map((line) => line.message);
    assert.ok(errors.some((m) => m.includes(`application ${ns}/web: annotation ${PREFIX}health-gate="yes please": expected true or false`)), errors.join('\n'));
    assert.ok(errors.some((m) => m.includes(`annotation ${PREFIX}revert-window="soon"`)), errors.join('\n'));
  });
});

describe('automatic revert', () => {
  test('Degraded within the window: the previous image is written back and the bad tag held until released', async () => {
    const ns = 'revert-degraded';
    await pushTags(fixture.registry, 'revert/web', ['1.0.0', '1.1.0']);
    seed(fixture, [app(ns, 'revert/web', '1.0.0', { 'revert-window': '10m' })]);
    assert.equal((await cycle(fixture, ns)).summary.imagesUpdated, 1);
    const last = JSON.parse(annotation(ns, 'last-update') ?? '{}') as { kind: string; images: unknown[] };
    assert.equal(last.kind, 'update');
    assert.deepEqual(last.images, [{ alias: 'app', from: '1.0.0', to: '1.1.0' }]);

    fixture.kube.reconcile(ns, 'web', { health: 'Degraded' });
    const reverted = await cycle(fixture, ns);
    assert.deepEqual(specImages(ns), [`${host}/revert/web:1.0.0`]);
    assert.equal(annotation(ns, 'held-tags'), 'app=1.1.0');
    assert.equal(reverted.summary.imagesReverted, 1);
    const lines = notable(reverted);
    assert.equal(lines.length, 1, JSON.stringify(lines));
    assert.equal(lines[0]?.level, 'warn');
    assert.match(lines[0]?.message ?? '', /^reverted revert-degraded\/web \(it turned Degraded running the new version\): app 1\.1\.0 → 1\.0\.0; holding app=1\.1\.0/);
    const events = fixture.kube.events().filter((event) => event.metadata.namespace === ns).map((event) => event.reason);
    assert.deepEqual(events, ['ImagesUpdated', 'ImagesReverted']);

    // Back on 1.0.0 and Healthy: 1.1.0 is held, nothing is written and nothing logged above DEBUG.
    fixture.kube.reconcile(ns, 'web', { health: 'Healthy' });
    for (let i = 0; i < 2; i++) {
      const steady = await cycle(fixture, ns);
      assert.equal(steady.summary.imagesUpdated, 0);
      assert.equal(steady.summary.imagesReverted, 0);
      assert.deepEqual(notable(steady), []);
    }
    assert.deepEqual(specImages(ns), [`${host}/revert/web:1.0.0`]);

    // A person releases the hold: the updater picks 1.1.0 again.
    setAnnotations(ns, { 'held-tags': undefined });
    assert.equal((await cycle(fixture, ns)).summary.imagesUpdated, 1);
    assert.deepEqual(specImages(ns), [`${host}/revert/web:1.1.0`]);
  });

  test('a failed sync operation after the update is reverted too; a newer tag then moves past the hold', async () => {
    const ns = 'revert-failed-sync';
    await pushTags(fixture.registry, 'revert/sync', ['1.0.0', '1.1.0']);
    seed(fixture, [app(ns, 'revert/sync', '1.0.0', { 'revert-window': '10m' })]);
    await cycle(fixture, ns);
    fixture.kube.reconcile(ns, 'web', {
      health: 'Healthy',
      sync: 'OutOfSync',
      images: [`${host}/revert/sync:1.0.0`],
      operation: { phase: 'Failed', message: 'one or more objects failed to apply' },
    });
    const run = await cycle(fixture, ns);
    assert.equal(run.summary.imagesReverted, 1);
    assert.match(notable(run)[0]?.message ?? '', /its sync operation failed: one or more objects failed to apply/);
    assert.deepEqual(specImages(ns), [`${host}/revert/sync:1.0.0`]);

    fixture.kube.reconcile(ns, 'web', { health: 'Healthy', operation: { phase: 'Succeeded' } });
    await pushTags(fixture.registry, 'revert/sync', [{ tag: '1.2.0', created: new Date('2026-02-01T00:00:00Z') }]);
    const next = await cycle(fixture, ns);
    assert.equal(next.summary.imagesUpdated, 1);
    assert.deepEqual(specImages(ns), [`${host}/revert/sync:1.2.0`]);
    assert.equal(annotation(ns, 'held-tags'), 'app=1.1.0', 'the hold stays until a person removes it');
  });

  test('Degraded after the window has passed, or without revert-window, is not reverted', async () => {
    await pushTags(fixture.registry, 'revert/late', ['1.0.0', '1.1.0']);
    for (const [ns, settings] of [
      ['revert-late', { 'revert-window': '10m' }],
      ['revert-off', {}],
    ] as const) {
      seed(fixture, [app(ns, 'revert/late', '1.0.0', settings)]);
      await cycle(fixture, ns);
      if (ns === 'revert-late') {
        const last = JSON.parse(annotation(ns, 'last-update') ?? '{}') as Record<string, unknown>;
        setAnnotations(ns, { 'last-update': JSON.stringify({ ...last, at: new Date(Date.now() - 11 * 60_000).toISOString() }) });
      }
      fixture.kube.reconcile(ns, 'web', { health: 'Degraded' });
      const run = await cycle(fixture, ns);
      assert.equal(run.summary.imagesReverted, 0, ns);
      assert.deepEqual(specImages(ns), [`${host}/revert/late:1.1.0`], ns);
      assert.equal(annotation(ns, 'held-tags'), undefined, ns);
    }
  });

  test('write-back git: the revert is a commit that says so and keeps the file byte for byte', async () => {
    const ns = 'revert-git';
    await pushTags(fixture.registry, 'revert/git', ['1.0.0', '1.1.0']);
    const kustomization = `# web: managed by hand
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization

resources:
  - deployment.yaml   # the app

images:
  # the web image
  - name: ${host}/revert/git
    newTag: 1.0.0     # bumped by the updater
`;
    await git.createRepository('revert', { 'apps/web/kustomization.yaml': kustomization });
    repositorySecret(ns, 'revert');
    const application = app(ns, 'revert/git', '1.0.0', { 'write-back-method': 'git', 'write-back-target': 'kustomization', 'revert-window': '10m' });
    (application.spec.source as { repoURL: string }).repoURL = git.url('revert');
    application.status = { ...application.status, sync: { status: 'Synced', revision: 'rev-1' } };
    seed(fixture, [application]);

    const first = await cycle(fixture, ns, { argocdNamespace: ns });
    assert.equal(first.summary.imagesUpdated, 1, JSON.stringify(first.log.lines.filter((l) => l.level === 'error')));
    assert.equal(await git.read('revert', 'main', 'apps/web/kustomization.yaml'), kustomization.replace('newTag: 1.0.0', 'newTag: 1.1.0'));
    assert.equal((JSON.parse(annotation(ns, 'last-update') ?? '{}') as { revision?: string }).revision, 'rev-1');

    fixture.kube.reconcile(ns, 'web', { health: 'Degraded', images: [`${host}/revert/git:1.1.0`], revision: 'rev-2' });
    const reverted = await cycle(fixture, ns, { argocdNamespace: ns });
    assert.equal(reverted.summary.imagesReverted, 1, JSON.stringify(reverted.log.lines.filter((l) => l.level === 'error')));
    assert.equal(await git.read('revert', 'main', 'apps/web/kustomization.yaml'), kustomization, 'the original bytes, comments included');
    const [commit] = await git.log('revert', 'main');
    assert.equal(commit?.subject, 'revert: automatic update of web');
    assert.match(commit?.body ?? '', /it turned Degraded running the new version/);
    assert.match(commit?.body ?? '', /reverts image revert\/git tag '1\.1\.0' to '1\.0\.0'/);
    assert.equal(annotation(ns, 'held-tags'), 'app=1.1.0');
    assert.equal(fixture.kube.application(ns, 'web')?.spec.source?.kustomize, undefined, 'the Application spec is not patched');
  });
});

describe('manual rollbacks', () => {
  test('a person rolls the spec back: the version rolled back from is held, logged once, resumed past it', async () => {
    const ns = 'rollback';
    await pushTags(fixture.registry, 'rollback/web', ['1.0.0', '1.1.0', '1.2.0']);
    seed(fixture, [app(ns, 'rollback/web', '1.0.0')]);
    await cycle(fixture, ns);
    assert.deepEqual(specImages(ns), [`${host}/rollback/web:1.2.0`]);

    // Not yet synced by Argo CD: running 1.0.0 is not a rollback.
    const unsynced = await cycle(fixture, ns);
    assert.deepEqual(notable(unsynced), []);
    assert.equal(annotation(ns, 'held-tags'), undefined);

    fixture.kube.reconcile(ns, 'web', { health: 'Healthy' });
    // The incident: a person sets 1.1.0 in the spec and Argo CD syncs it.
    const current = fixture.kube.application(ns, 'web');
    assert.ok(current?.spec.source);
    fixture.kube.setApplication({ ...current, spec: { ...current.spec, source: { ...current.spec.source, kustomize: { images: [`${host}/rollback/web:1.1.0`] } } } });
    fixture.kube.reconcile(ns, 'web', { health: 'Healthy' });

    const noticed = await cycle(fixture, ns);
    assert.equal(noticed.summary.imagesUpdated, 0);
    assert.deepEqual(specImages(ns), [`${host}/rollback/web:1.1.0`], 'the rollback is not overwritten');
    assert.equal(annotation(ns, 'held-tags'), 'app=1.2.0');
    const lines = notable(noticed);
    assert.equal(lines.length, 1, JSON.stringify(lines));
    assert.equal(lines[0]?.level, 'info');
    assert.match(lines[0]?.message ?? '', /rollback\/web was rolled back by hand \(app 1\.2\.0 → 1\.1\.0\): holding app=1\.2\.0 until a newer version appears/);

    const quiet = await cycle(fixture, ns);
    assert.deepEqual(notable(quiet), [], 'logged once');
    assert.deepEqual(specImages(ns), [`${host}/rollback/web:1.1.0`]);

    await pushTags(fixture.registry, 'rollback/web', [{ tag: '1.3.0', created: new Date('2026-02-01T00:00:00Z') }]);
    const resumed = await cycle(fixture, ns);
    assert.equal(resumed.summary.imagesUpdated, 1);
    assert.deepEqual(specImages(ns), [`${host}/rollback/web:1.3.0`]);
  });

  test('write-back git: a rollback committed by a person is held, not overwritten, once Argo CD has seen it', async () => {
    const ns = 'rollback-git';
    await pushTags(fixture.registry, 'rollback/git', ['1.0.0', '1.1.0']);
    const file = (tag: string) => `images:\n  - name: ${host}/rollback/git\n    newTag: ${tag}   # set by the updater\n`;
    await git.createRepository('rollback', { 'apps/web/kustomization.yaml': file('1.0.0') });
    repositorySecret(ns, 'rollback');
    const application = app(ns, 'rollback/git', '1.0.0', { 'write-back-method': 'git', 'write-back-target': 'kustomization' });
    (application.spec.source as { repoURL: string }).repoURL = git.url('rollback');
    application.status = { ...application.status, sync: { status: 'Synced', revision: 'rev-1' } };
    seed(fixture, [application]);
    assert.equal((await cycle(fixture, ns, { argocdNamespace: ns })).summary.imagesUpdated, 1);
    assert.equal(await git.read('rollback', 'main', 'apps/web/kustomization.yaml'), file('1.1.0'));

    // Argo CD reconciles but has not fetched the new commit yet: still rev-1, running 1.0.0. Not a rollback.
    fixture.kube.reconcile(ns, 'web', { health: 'Healthy', images: [`${host}/rollback/git:1.0.0`], revision: 'rev-1' });
    const early = await cycle(fixture, ns, { argocdNamespace: ns });
    assert.deepEqual(notable(early), []);
    assert.equal(annotation(ns, 'held-tags'), undefined);

    // A person reverts the file in git; Argo CD syncs that commit.
    await git.commit('rollback', 'main', { 'apps/web/kustomization.yaml': file('1.0.0') }, 'incident: back to 1.0.0');
    fixture.kube.reconcile(ns, 'web', { health: 'Healthy', images: [`${host}/rollback/git:1.0.0`], revision: 'rev-3' });
    const noticed = await cycle(fixture, ns, { argocdNamespace: ns });
    assert.equal(noticed.summary.imagesUpdated, 0);
    assert.match(notable(noticed)[0]?.message ?? '', /rolled back by hand \(app 1\.1\.0 → 1\.0\.0\): holding app=1\.1\.0/);
    assert.equal(annotation(ns, 'held-tags'), 'app=1.1.0');
    const again = await cycle(fixture, ns, { argocdNamespace: ns });
    assert.equal(again.summary.imagesUpdated, 0);
    assert.equal(await git.read('rollback', 'main', 'apps/web/kustomization.yaml'), file('1.0.0'), 'the rollback stays');
    assert.equal((await git.log('rollback', 'main'))[0]?.subject, 'incident: back to 1.0.0');
  });
});
