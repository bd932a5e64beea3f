// The update cycle end to end: the real docker-registry, the Kubernetes API double reached through
// @kubernetes/client-node, and Applications annotated exactly as for Argo CD Image Updater v0.x.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fixedBudget } from '../../lib/deadline';
import type { Application } from '../../lib/model';
import { helmApp, kustomizeApp, multiSourceApp } from '../support/applications';
import { pushImage } from '../support/registry';
import { cycle, pushTags, seed, startFixture, type Fixture } from './fixture';

let fixture: Fixture;
let host: string;

const NGINX_TAGS = ['1.26.3', '1.27.0', '1.27.1', '1.27.3', '1.27.10', '1.27.11-rc.1', '1.28.0', 'latest'];

before(async () => {
  fixture = await startFixture();
  host = fixture.registry.host;
  await pushTags(fixture.registry, 'nginxinc/nginx-unprivileged', NGINX_TAGS);
  await pushTags(fixture.registry, 'team/builds', [
    { tag: 'a1f3', created: new Date('2026-01-01T00:00:00Z') },
    { tag: 'b7c2', created: new Date('2026-03-01T00:00:00Z') },
    { tag: 'c9d0', created: new Date('2026-02-01T00:00:00Z') },
  ]);
  await pushTags(fixture.registry, 'team/calver', ['2024.01', '2024.09', '2024.10', 'nightly']);
  await pushTags(fixture.registry, 'team/filtered', ['v1.0.0', 'v1.1.0', 'v1.2.0', 'v1.1.5-debug']);
  const amd64 = { os: 'linux', arch: 'amd64' };
  const arm64 = { os: 'linux', arch: 'arm64' };
  for (const [minute, tag, platforms] of [[0, '1.0.0', [amd64, arm64]], [1, '1.1.0', [arm64]], [2, '1.2.0', [amd64]]] as const) {
    await pushImage(fixture.registry, 'team/multiarch', tag, { created: new Date(Date.UTC(2026, 0, 1, 0, minute)), platforms: [...platforms] });
  }
});

after(async () => {
  await fixture?.stop();
});

function images(app: Application | undefined): string[] | undefined {
  return app?.spec.source?.kustomize?.images;
}

function worked(name: string, namespace: string, extra: Record<string, string> = {}): Application {
  return kustomizeApp({
    name,
    namespace,
    settings: {
      'image-list': `app=${host}/nginxinc/nginx-unprivileged`,
      'app.update-strategy': 'semver',
      'app.semver': '>=1.27.0 <1.28.0',
      'write-back-method': 'argocd',
      ...extra,
    },
    liveImages: [`${host}/nginxinc/nginx-unprivileged:1.27.0`],
  });
}

describe('the worked example', () => {
  test('moves 1.27.0 to the newest 1.27.x, never 1.28 nor a pre-release, and logs it', async () => {
    seed(fixture, [worked('web', 'worked')]);
    const run = await cycle(fixture, 'worked');
    assert.deepEqual(images(fixture.kube.application('worked', 'web')), [`${host}/nginxinc/nginx-unprivileged:1.27.10`]);
    assert.equal(run.summary.imagesUpdated, 1);
    assert.equal(run.summary.errors, 0);
    const line = run.log.lines.find((l) => l.fields?.outcome === 'updated');
    assert.ok(line, 'an update line is logged');
    assert.equal(line.level, 'info');
    assert.deepEqual(
      { app: line.fields?.app, alias: line.fields?.alias, from: line.fields?.from, to: line.fields?.to },
      { app: 'worked/web', alias: 'app', from: `${host}/nginxinc/nginx-unprivileged:1.27.0`, to: `${host}/nginxinc/nginx-unprivileged:1.27.10` },
    );
    const [event] = fixture.kube.events().filter((e) => e.metadata?.namespace === 'worked');
    assert.equal(event?.reason, 'ImagesUpdated');
  });

  test('a second cycle after Argo CD synced finds nothing to do and only logs the summary at INFO', async () => {
    const synced = worked('web2', 'steady');
    synced.status = { ...synced.status, summary: { images: [`${host}/nginxinc/nginx-unprivileged:1.27.10`] } };
    seed(fixture, [synced]);
    const run = await cycle(fixture, 'steady');
    assert.equal(run.summary.imagesUpdated, 0);
    assert.equal(images(fixture.kube.application('steady', 'web2')), undefined, 'not written');
    assert.deepEqual(run.log.lines.filter((l) => l.level !== 'debug').map((l) => l.message.split(':')[0]), ['Processing results']);
  });
});

describe('strategies', () => {
  test('newest-build picks the latest build time, alphabetical the greatest name, digest the new digest', async () => {
    const digest = (await pushTags(fixture.registry, 'team/mutable', ['stable'])).stable;
    const old = `sha256:${'1'.repeat(64)}`;
    seed(fixture, [
      kustomizeApp({
        name: 'builds',
        namespace: 'strategies',
        settings: { 'image-list': `b=${host}/team/builds`, 'b.update-strategy': 'newest-build' },
        liveImages: [`${host}/team/builds:a1f3`],
      }),
      kustomizeApp({
        name: 'calver',
        namespace: 'strategies',
        settings: { 'image-list': `c=${host}/team/calver`, 'c.update-strategy': 'alphabetical', 'c.ignore-tags': 'nightly' },
        liveImages: [`${host}/team/calver:2024.01`],
      }),
      kustomizeApp({
        name: 'mutable',
        namespace: 'strategies',
        settings: { 'image-list': `m=${host}/team/mutable:stable`, 'm.update-strategy': 'digest' },
        liveImages: [`${host}/team/mutable:stable@${old}`],
      }),
    ]);
    const run = await cycle(fixture, 'strategies');
    assert.equal(run.summary.errors, 0, JSON.stringify(run.log.lines.filter((l) => l.level === 'error')));
    assert.deepEqual(images(fixture.kube.application('strategies', 'builds')), [`${host}/team/builds:b7c2`]);
    assert.deepEqual(images(fixture.kube.application('strategies', 'calver')), [`${host}/team/calver:2024.10`]);
    assert.deepEqual(images(fixture.kube.application('strategies', 'mutable')), [`${host}/team/mutable:stable@${digest}`]);
  });

  test('allow-tags regexp and ignore-tags globs narrow the candidates', async () => {
    seed(fixture, [
      kustomizeApp({
        name: 'filtered',
        namespace: 'filters',
        settings: { 'image-list': `f=${host}/team/filtered`, 'f.allow-tags': 'regexp:^v1\\.[01]\\.', 'f.ignore-tags': '*-debug' },
        liveImages: [`${host}/team/filtered:v1.0.0`],
      }),
    ]);
    await cycle(fixture, 'filters');
    assert.deepEqual(images(fixture.kube.application('filters', 'filtered')), [`${host}/team/filtered:v1.1.0`]);
  });
});

describe('write-back to the spec', () => {
  test('Helm parameters: image.name and image.tag by default, image-spec when asked, other parameters kept', async () => {
    seed(fixture, [
      helmApp({
        name: 'chart',
        namespace: 'helm',
        settings: { 'image-list': `web=${host}/nginxinc/nginx-unprivileged:~1.27`, 'web.helm.image-name': 'web.repository', 'web.helm.image-tag': 'web.tag' },
        liveImages: [`${host}/nginxinc/nginx-unprivileged:1.27.1`],
        parameters: [{ name: 'replicas', value: '2' }, { name: 'web.tag', value: '1.27.1' }],
      }),
      helmApp({
        name: 'spec',
        namespace: 'helm',
        settings: { 'image-list': `web=${host}/nginxinc/nginx-unprivileged:1.26.x`, 'web.helm.image-spec': 'web.image' },
        liveImages: [`${host}/nginxinc/nginx-unprivileged:1.26.0`],
      }),
    ]);
    const run = await cycle(fixture, 'helm');
    assert.equal(run.summary.imagesUpdated, 2);
    assert.deepEqual(fixture.kube.application('helm', 'chart')?.spec.source?.helm?.parameters, [
      { name: 'replicas', value: '2' },
      { name: 'web.tag', value: '1.27.10', forceString: true },
      { name: 'web.repository', value: `${host}/nginxinc/nginx-unprivileged`, forceString: true },
    ]);
    assert.deepEqual(fixture.kube.application('helm', 'spec')?.spec.source?.helm?.parameters, [
      { name: 'web.image', value: `${host}/nginxinc/nginx-unprivileged:1.26.3`, forceString: true },
    ]);
  });

  test('multi-source: the images go to the source of the detected type, the others stay untouched', async () => {
    const app = multiSourceApp({
      name: 'multi',
      namespace: 'multi',
      settings: { 'image-list': `app=${host}/nginxinc/nginx-unprivileged`, 'app.semver': '~1.27.0' },
      liveImages: [`${host}/nginxinc/nginx-unprivileged:1.27.0`],
      images: [`${host}/nginxinc/nginx-unprivileged:1.27.0`],
    });
    seed(fixture, [app]);
    const run = await cycle(fixture, 'multi');
    assert.equal(run.summary.imagesUpdated, 1, JSON.stringify(run.log.lines.filter((l) => l.level === 'error')));
    const written = fixture.kube.application('multi', 'multi');
    const changed = written?.spec.sources?.filter((source, index) => JSON.stringify(source) !== JSON.stringify(app.spec.sources?.[index]));
    assert.equal(changed?.length, 1, 'exactly one source changed');
  });

  test('one write per application carries all of its changes', async () => {
    seed(fixture, [
      kustomizeApp({
        name: 'two',
        namespace: 'batch',
        settings: { 'image-list': `a=${host}/nginxinc/nginx-unprivileged:~1.27.0, b=${host}/team/calver`, 'b.update-strategy': 'alphabetical', 'b.ignore-tags': 'nightly' },
        liveImages: [`${host}/nginxinc/nginx-unprivileged:1.27.0`, `${host}/team/calver:2024.01`],
      }),
    ]);
    await cycle(fixture, 'batch');
    const patches = fixture.kube.requests().filter((r) => r.method === 'PATCH' && r.path.includes('/namespaces/batch/'));
    assert.equal(patches.length, 1);
    assert.deepEqual(images(fixture.kube.application('batch', 'two')), [`${host}/nginxinc/nginx-unprivileged:1.27.10`, `${host}/team/calver:2024.10`]);
  });
});

describe('liveness, force-update and dry-run', () => {
  test('an image that is not live is skipped; force-update updates it anyway', async () => {
    seed(fixture, [
      kustomizeApp({ name: 'idle', namespace: 'live', settings: { 'image-list': `app=${host}/team/calver` }, liveImages: ['other/image:1'] }),
      kustomizeApp({
        name: 'cron',
        namespace: 'live',
        settings: { 'image-list': `app=${host}/team/calver`, 'app.update-strategy': 'alphabetical', 'app.ignore-tags': 'nightly', 'app.force-update': 'true' },
        liveImages: [],
      }),
    ]);
    const run = await cycle(fixture, 'live');
    assert.equal(images(fixture.kube.application('live', 'idle')), undefined);
    assert.deepEqual(images(fixture.kube.application('live', 'cron')), [`${host}/team/calver:2024.10`]);
    assert.equal(run.summary.imagesSkipped, 1);
  });

  test('--dry-run computes and logs the update but writes nothing', async () => {
    seed(fixture, [worked('web', 'dry')]);
    const before = fixture.kube.requests().length;
    const run = await cycle(fixture, 'dry', { dryRun: 'true' });
    assert.equal(run.summary.imagesUpdated, 1);
    assert.equal(images(fixture.kube.application('dry', 'web')), undefined);
    assert.ok(!fixture.kube.requests().slice(before).some((r) => r.method !== 'GET'), 'only reads');
    assert.ok(run.log.lines.some((l) => l.fields?.to === `${host}/nginxinc/nginx-unprivileged:1.27.10`));
  });
});

describe('platforms', () => {
  test('a tag without a wanted platform is passed over, never an error, whatever the strategy', async () => {
    const app = (name: string, strategy: string, extra: Record<string, string> = {}) =>
      kustomizeApp({
        name,
        namespace: 'platforms',
        settings: { 'image-list': `app=${host}/team/multiarch`, 'app.update-strategy': strategy, 'app.platforms': 'linux/arm64', ...extra },
        liveImages: [`${host}/team/multiarch:1.0.0`],
      });
    seed(fixture, [
      app('semver', 'semver'),
      app('newest-build', 'newest-build'),
      app('alphabetical', 'alphabetical'),
      app('digest', 'digest', { 'image-list': `app=${host}/team/multiarch:1.2.0` }),
    ]);
    const run = await cycle(fixture, 'platforms');
    assert.equal(run.summary.errors, 0, JSON.stringify(run.log.lines.filter((l) => l.level === 'error')));
    for (const name of ['semver', 'newest-build', 'alphabetical']) {
      assert.deepEqual(images(fixture.kube.application('platforms', name)), [`${host}/team/multiarch:1.1.0`], name);
    }
    assert.equal(images(fixture.kube.application('platforms', 'digest')), undefined, 'the tracked tag lacks the platform: nothing to do');
    assert.equal(run.summary.imagesUpdated, 3);
  });
});

describe('robustness', () => {
  test('a concurrent change between read and write is retried, not clobbered', async () => {
    seed(fixture, [worked('web', 'race')]);
    fixture.kube.bumpOnNextGet('race', 'web');
    fixture.kube.changeAfterList('race', 'web', (app) => {
      app.metadata.labels = { ...app.metadata.labels, touched: 'by-someone-else' };
    });
    const run = await cycle(fixture, 'race');
    const app = fixture.kube.application('race', 'web');
    assert.equal(run.summary.errors, 0);
    assert.deepEqual(images(app), [`${host}/nginxinc/nginx-unprivileged:1.27.10`]);
    assert.equal(app?.metadata.labels?.touched, 'by-someone-else', 'the concurrent change survives');
  });

  test('a broken annotation or a missing repository fails that app only; the others update', async () => {
    seed(fixture, [
      worked('good', 'mixed'),
      worked('bad-range', 'mixed', { 'app.semver': '>=banana' }),
      kustomizeApp({ name: 'missing', namespace: 'mixed', settings: { 'image-list': `app=${host}/team/does-not-exist` }, liveImages: [`${host}/team/does-not-exist:1.0.0`] }),
    ]);
    const run = await cycle(fixture, 'mixed');
    assert.deepEqual(images(fixture.kube.application('mixed', 'good')), [`${host}/nginxinc/nginx-unprivileged:1.27.10`]);
    assert.equal(run.summary.errors, 2);
    const errors = run.log.lines.filter((l) => l.level === 'error').map((l) => l.message);
    assert.ok(errors.some((m) => m.includes('mixed/bad-range') && m.includes('app.semver') && m.includes('>=banana')), errors.join('\n'));
    assert.ok(errors.some((m) => m.includes('mixed/missing') && m.includes('team/does-not-exist')), errors.join('\n'));
    const badRange = run.log.lines.find((l) => l.level === 'error' && l.fields?.app === 'mixed/bad-range');
    assert.equal(badRange?.fields?.alias, 'app');
  });

  test('a repository tracked by many applications is listed once per cycle', async () => {
    seed(fixture, Array.from({ length: 6 }, (_, i) => worked(`web-${i}`, 'shared')));
    const run = await cycle(fixture, 'shared');
    assert.equal(run.summary.imagesUpdated, 6);
    assert.equal(run.tally.registry.tags, 1);
  });

  test('a deadline already passed processes nothing and names what it did not reach', async () => {
    seed(fixture, [worked('late', 'deadline')]);
    const run = await cycle(fixture, 'deadline', {}, { budget: fixedBudget(Date.now() - 1, Date.now() + 60_000) });
    assert.deepEqual(run.summary.notReached, ['deadline/late']);
    assert.equal(images(fixture.kube.application('deadline', 'late')), undefined);
  });

  test('names the first 20 applications the deadline left once, and counts the rest', async () => {
    seed(fixture, Array.from({ length: 25 }, (_, i) => worked(`late-${String(i).padStart(2, '0')}`, 'many-late')));
    const run = await cycle(fixture, 'many-late', {}, { budget: fixedBudget(Date.now() - 1, Date.now() + 60_000) });
    assert.equal(run.summary.notReached.length, 25);
    const named = run.log.lines.filter((l) => Array.isArray(l.fields?.notReached));
    assert.equal(named.length, 1, 'one line names them');
    assert.equal(named[0]?.level, 'warn');
    assert.equal((named[0]?.fields?.notReached as string[]).length, 20);
    assert.equal(named[0]?.fields?.notReachedCount, 25);
    const summaryLine = run.log.lines.find((l) => l.message.startsWith('Processing results:'));
    assert.equal((summaryLine?.fields?.summary as { notReached: unknown }).notReached, 25, 'the summary line counts them');
  });

  test('with nothing to choose from, the running image is up to date: no skip, nothing at INFO', async () => {
    seed(fixture, [
      worked('no-match', 'nothing', { 'app.semver': '>=9.0.0' }),
      worked('all-ignored', 'nothing', { 'app.ignore-tags': '*' }),
    ]);
    const run = await cycle(fixture, 'nothing');
    assert.equal(run.summary.imagesConsidered, 2);
    assert.equal(run.summary.imagesSkipped, 0);
    assert.equal(run.summary.errors, 0);
    const decisions = run.log.lines.filter((l) => l.fields?.outcome !== undefined);
    assert.deepEqual(decisions.map((l) => [l.level, l.fields?.outcome]), [['debug', 'unchanged'], ['debug', 'unchanged']]);
    assert.equal(images(fixture.kube.application('nothing', 'no-match')), undefined, 'nothing written');
  });
});
