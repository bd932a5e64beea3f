// Argo CD Image Updater v1.x's ImageUpdater resources driving the same cycle as v0.x annotations:
// the real docker-registry, the Kubernetes API double with the real ImageUpdater CRD.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Application } from '../../lib/model';
import { helmApp, kustomizeApp } from '../support/applications';
import { startKubeApi } from '../support/kube-api';
import { parseOptions } from '../../lib/config';
import { runCycle } from '../../lib/cycle';
import { startGitServer } from '../support/git-server';
import type { Condition, ImageUpdaterStatus } from '../../lib/imageupdater/status';
import { cosignKeys, pushCosignSignature } from '../support/registry';
import { captureLog, cycle, pushTags, seed, startFixture, type Fixture } from './fixture';

let fixture: Fixture;
let host: string;
/** The team's cosign key: acme/signed 1.1.0 carries its signature; 1.2.0, newer, none. */
const signer = cosignKeys();

before(async () => {
  fixture = await startFixture();
  host = fixture.registry.host;
  await pushTags(fixture.registry, 'acme/web', ['1.26.3', '1.27.0', '1.27.1', '1.27.10', '1.27.11-rc.1', '1.28.0']);
  await pushTags(fixture.registry, 'acme/api', ['2.0.0', '2.1.0', '2.2.0', '3.0.0']);
  const signed = await pushTags(fixture.registry, 'acme/signed', ['1.0.0', '1.1.0', '1.2.0']);
  await pushCosignSignature(fixture.registry, 'acme/signed', signed['1.1.0'] ?? '', signer);
});

after(async () => {
  await fixture?.stop();
});

const GROUP_VERSION = 'argocd-image-updater.argoproj.io/v1alpha1';

function imageUpdater(namespace: string, name: string, spec: Record<string, unknown>, status?: Record<string, unknown>) {
  return { apiVersion: GROUP_VERSION, kind: 'ImageUpdater', metadata: { namespace, name }, spec, ...(status && { status }) };
}

/** A Kustomize app running acme/web:1.27.0 with no updater annotations. */
function webApp(namespace: string, name: string, labels: Record<string, string> = {}, settings: Record<string, string> = {}): Application {
  return kustomizeApp({ name, namespace, settings, labels, liveImages: [`${host}/acme/web:1.27.0`] });
}

function images(app: Application | undefined): string[] | undefined {
  return app?.spec.source?.kustomize?.images;
}

function statusOf(namespace: string, name: string): ImageUpdaterStatus {
  return (fixture.kube.imageUpdater(namespace, name)?.status ?? {}) as ImageUpdaterStatus;
}

function condition(namespace: string, name: string, type: string): Condition | undefined {
  return statusOf(namespace, name).conditions?.find((entry) => entry.type === type);
}

function statusWrites(namespace: string): number {
  return fixture.kube.requests().filter((r) => r.method === 'PUT' && r.path.startsWith(`/apis/${GROUP_VERSION}/namespaces/${namespace}/imageupdaters/`) && r.path.endsWith('/status')).length;
}

describe('ImageUpdater resources', () => {
  test('a resource updates the apps its namePattern selects in its own namespace, and reports it in its status', async () => {
    seed(fixture, [webApp('cr-basic', 'web-1'), webApp('cr-basic', 'web-2'), webApp('cr-basic', 'other'), webApp('elsewhere', 'web-3')]);
    fixture.kube.setImageUpdater(
      imageUpdater('cr-basic', 'web', {
        applicationRefs: [{ namePattern: 'web-*', images: [{ alias: 'web', imageName: `${host}/acme/web:>=1.27.0 <1.28.0` }] }],
      }),
    );
    const run = await cycle(fixture, 'cr-basic');
    assert.equal(run.summary.errors, 0);
    assert.deepEqual(images(fixture.kube.application('cr-basic', 'web-1')), [`${host}/acme/web:1.27.10`]);
    assert.deepEqual(images(fixture.kube.application('cr-basic', 'web-2')), [`${host}/acme/web:1.27.10`]);
    assert.equal(images(fixture.kube.application('cr-basic', 'other')), undefined, 'not selected by the pattern');

    const status = statusOf('cr-basic', 'web');
    assert.equal(status.applicationsMatched, 2);
    assert.equal(status.imagesManaged, 2);
    assert.equal(status.observedGeneration, 1);
    assert.ok(status.lastUpdatedAt);
    assert.deepEqual(
      status.recentUpdates?.map((u) => [u.alias, u.image, u.newVersion, u.applicationsUpdated, u.message]),
      [['web', `${host}/acme/web`, '1.27.10', 2, 'Updated from 1.27.0 to 1.27.10.']],
    );
    assert.deepEqual(
      ['Ready', 'Error', 'Reconciling'].map((type) => [condition('cr-basic', 'web', type)?.status, condition('cr-basic', 'web', type)?.reason]),
      [['True', 'ReconcileSucceeded'], ['False', 'NoErrors'], ['False', 'Idle']],
    );
  });

  test('the resource in another namespace does not reach an app with the same name elsewhere', async () => {
    seed(fixture, [webApp('cr-own-ns', 'web-9')]);
    fixture.kube.setImageUpdater(
      imageUpdater('cr-not-own', 'web', { applicationRefs: [{ namePattern: '*', images: [{ alias: 'web', imageName: `${host}/acme/web` }] }] }),
    );
    await runCycle(fixture.kubeConfig, parseOptions({}), { log: captureLog() });
    assert.equal(images(fixture.kube.application('cr-own-ns', 'web-9')), undefined);
    assert.equal(statusOf('cr-not-own', 'web').applicationsMatched, 0);
  });

  test('the most specific applicationRef wins whatever the listed order; labels narrow it', async () => {
    seed(fixture, [webApp('cr-rank', 'web-api', { tier: 'canary' }), webApp('cr-rank', 'web-ui')]);
    fixture.kube.setImageUpdater(
      imageUpdater('cr-rank', 'ranked', {
        applicationRefs: [
          { namePattern: 'web-*', images: [{ alias: 'web', imageName: `${host}/acme/web:~1.26` }] },
          { namePattern: 'web-api', images: [{ alias: 'web', imageName: `${host}/acme/web:>=1.27.0 <1.27.5` }] },
          {
            namePattern: 'web-?i',
            labelSelectors: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['canary'] }] },
            images: [{ alias: 'web', imageName: `${host}/acme/web:~1.28` }],
          },
        ],
      }),
    );
    const run = await cycle(fixture, 'cr-rank');
    assert.equal(run.summary.errors, 0);
    // web-api: the exact name, listed second, beats the label-selector ref and the glob; web-ui has
    // no `tier` label, so only `web-*` selects it.
    assert.deepEqual(images(fixture.kube.application('cr-rank', 'web-api')), [`${host}/acme/web:1.27.1`]);
    assert.deepEqual(images(fixture.kube.application('cr-rank', 'web-ui')), [`${host}/acme/web:1.26.3`]);
  });

  test('settings merge spec → ref → image field by field, and a Helm target names the parameters', async () => {
    seed(fixture, [
      helmApp({ name: 'chart', namespace: 'cr-merge', settings: {}, liveImages: [`${host}/acme/api:2.0.0`], parameters: [{ name: 'api.tag', value: '2.0.0' }] }),
    ]);
    fixture.kube.setImageUpdater(
      imageUpdater('cr-merge', 'merge', {
        commonUpdateSettings: { updateStrategy: 'alphabetical', ignoreTags: ['2.1.*'] },
        applicationRefs: [
          {
            namePattern: 'chart',
            commonUpdateSettings: { allowTags: 'regexp:^2\\.', ignoreTags: ['2.2.0'] },
            images: [
              {
                alias: 'api',
                imageName: `${host}/acme/api`,
                commonUpdateSettings: { updateStrategy: 'semver' },
                manifestTargets: { helm: { name: 'api.repository', tag: 'api.tag' } },
              },
            ],
          },
        ],
      }),
    );
    const run = await cycle(fixture, 'cr-merge');
    assert.equal(run.summary.errors, 0);
    // The ref's ignoreTags replace the spec's list whole (2.1.0 stays a candidate), its allowTags
    // keep 3.0.0 out, the image's semver strategy replaces the spec's alphabetical.
    assert.deepEqual(fixture.kube.application('cr-merge', 'chart')?.spec.source?.helm?.parameters, [
      { name: 'api.tag', value: '2.1.0', forceString: true },
      { name: 'api.repository', value: `${host}/acme/api`, forceString: true },
    ]);
  });

  test('an app selected by two resources is an error naming both, and nothing is written', async () => {
    seed(fixture, [webApp('cr-two', 'web')]);
    for (const name of ['first', 'second']) {
      fixture.kube.setImageUpdater(
        imageUpdater('cr-two', name, { applicationRefs: [{ namePattern: 'web', images: [{ alias: 'web', imageName: `${host}/acme/web` }] }] }),
      );
    }
    const run = await cycle(fixture, 'cr-two');
    assert.equal(run.summary.errors, 1);
    const line = run.log.lines.find((l) => l.level === 'error');
    assert.match(line?.message ?? '', /cr-two\/web is selected by ImageUpdater cr-two\/first and ImageUpdater cr-two\/second/);
    assert.equal(images(fixture.kube.application('cr-two', 'web')), undefined);
    for (const name of ['first', 'second']) {
      assert.equal(condition('cr-two', name, 'Error')?.reason, 'PartialErrors');
      assert.equal(condition('cr-two', name, 'Ready')?.reason, 'ReconcileCompletedWithErrors');
    }
  });

  test('an annotated app no resource selects keeps working; a selected one follows the resource only', async () => {
    const annotated = { 'image-list': `web=${host}/acme/web`, 'web.allow-tags': 'regexp:^1\\.26' };
    seed(fixture, [webApp('cr-both', 'legacy', {}, annotated), webApp('cr-both', 'moved', {}, annotated)]);
    fixture.kube.setImageUpdater(
      imageUpdater('cr-both', 'moved', { applicationRefs: [{ namePattern: 'moved', images: [{ alias: 'web', imageName: `${host}/acme/web:~1.27` }] }] }),
    );
    const run = await cycle(fixture, 'cr-both');
    assert.equal(run.summary.errors, 0);
    assert.deepEqual(images(fixture.kube.application('cr-both', 'legacy')), [`${host}/acme/web:1.26.3`], 'annotation mode, as before');
    assert.deepEqual(images(fixture.kube.application('cr-both', 'moved')), [`${host}/acme/web:1.27.10`], 'the resource, not the annotations');
    assert.equal(run.tally.registry.tags, 1, 'one tag list for the repository, whichever world tracks it');
  });

  test('useAnnotations: true drives the app by its annotations alone, ignoring the resource settings', async () => {
    seed(fixture, [webApp('cr-annot', 'web', {}, { 'image-list': `web=${host}/acme/web:~1.26` }), webApp('cr-annot', 'bare')]);
    fixture.kube.setImageUpdater(
      imageUpdater('cr-annot', 'annot', {
        commonUpdateSettings: { allowTags: 'regexp:^nothing$' },
        applicationRefs: [{ namePattern: '*', useAnnotations: true }],
      }),
    );
    const run = await cycle(fixture, 'cr-annot');
    assert.equal(run.summary.errors, 0);
    assert.deepEqual(images(fixture.kube.application('cr-annot', 'web')), [`${host}/acme/web:1.26.3`]);
    assert.equal(images(fixture.kube.application('cr-annot', 'bare')), undefined, 'no image-list: nothing to do');
    assert.equal(statusOf('cr-annot', 'annot').applicationsMatched, 1);
  });

  test('a pullSecret in another namespace is refused before any secret is read', async () => {
    seed(fixture, [webApp('cr-secret', 'web')]);
    fixture.kube.setImageUpdater(
      imageUpdater('cr-secret', 'secret', {
        applicationRefs: [
          {
            namePattern: 'web',
            images: [{ alias: 'web', imageName: `${host}/acme/web`, commonUpdateSettings: { pullSecret: 'pullsecret:kube-system/registry' } }],
          },
        ],
      }),
    );
    const run = await cycle(fixture, 'cr-secret');
    assert.equal(run.summary.errors, 1);
    const line = run.log.lines.find((l) => l.level === 'error');
    assert.match(line?.message ?? '', /application cr-secret\/web: ImageUpdater cr-secret\/secret spec.applicationRefs\[0\].images\[0\].commonUpdateSettings.pullSecret="pullsecret:kube-system\/registry": secret namespace "kube-system" is not the application's namespace "cr-secret"/);
    assert.equal(fixture.kube.requests().filter((r) => r.path.includes('/secrets/')).length, 0);
    assert.equal(images(fixture.kube.application('cr-secret', 'web')), undefined);
    assert.equal(condition('cr-secret', 'secret', 'Error')?.status, 'True');
  });

  test('a malformed namePattern fails that resource only, with Ready=False', async () => {
    seed(fixture, [webApp('cr-bad', 'web')]);
    fixture.kube.setImageUpdater(
      imageUpdater('cr-bad', 'broken', {
        applicationRefs: [
          { namePattern: 'web', images: [{ alias: 'web', imageName: `${host}/acme/web` }] },
          { namePattern: 'web-[', images: [{ alias: 'web', imageName: `${host}/acme/web` }] },
        ],
      }),
    );
    fixture.kube.setImageUpdater(
      imageUpdater('cr-bad', 'fine', { applicationRefs: [{ namePattern: 'nothing', images: [{ alias: 'web', imageName: `${host}/acme/web` }] }] }),
    );
    await cycle(fixture, 'cr-bad');
    assert.equal(images(fixture.kube.application('cr-bad', 'web')), undefined, 'none of its refs run');
    assert.deepEqual([condition('cr-bad', 'broken', 'Ready')?.status, condition('cr-bad', 'broken', 'Ready')?.reason], ['False', 'ReconcileFailed']);
    assert.match(condition('cr-bad', 'broken', 'Error')?.message ?? '', /invalid application name pattern 'web-\['/);
    assert.equal(condition('cr-bad', 'fine', 'Ready')?.reason, 'ReconcileSucceeded');
  });

  test('a Plugin app is written through manifestTargets.plugin into spec.source.plugin.env; an annotated one stays unsupported', async () => {
    const plugin = (name: string, settings: Record<string, string>): Application => {
      const app = webApp('cr-plugin', name, {}, settings);
      app.spec.source = {
        repoURL: 'https://git.example.com/deploy.git',
        path: `apps/${name}`,
        plugin: { name: 'envsubst', env: [{ name: 'IMAGE_TAG', value: '1.27.0' }, { name: 'REPLICAS', value: '2' }] },
      };
      app.status = { ...app.status, sourceType: 'Plugin' };
      return app;
    };
    seed(fixture, [plugin('web', {}), plugin('legacy', { 'image-list': `web=${host}/acme/web:~1.27` })]);
    fixture.kube.setImageUpdater(
      imageUpdater('cr-plugin', 'plugin', {
        applicationRefs: [
          {
            namePattern: 'web',
            images: [{ alias: 'web', imageName: `${host}/acme/web:~1.27`, manifestTargets: { plugin: { name: 'IMAGE_NAME', tag: 'IMAGE_TAG' } } }],
          },
        ],
      }),
    );
    const run = await cycle(fixture, 'cr-plugin');
    assert.equal(run.summary.errors, 0);
    assert.deepEqual(fixture.kube.application('cr-plugin', 'web')?.spec.source?.plugin?.env, [
      { name: 'IMAGE_TAG', value: '1.27.10' },
      { name: 'REPLICAS', value: '2' },
      { name: 'IMAGE_NAME', value: `${host}/acme/web` },
    ]);
    assert.deepEqual(fixture.kube.application('cr-plugin', 'legacy')?.spec.source?.plugin?.env?.[0], { name: 'IMAGE_TAG', value: '1.27.0' });
    assert.ok(run.log.lines.some((l) => l.level === 'warn' && /skipping application cr-plugin\/legacy: not of a supported source type/.test(l.message)));
  });

  test('writeBackConfig git: the resource\'s repository, branch and target get one commit; the Application is not patched', async () => {
    const git = await startGitServer({ users: { bot: 'git-password' } });
    try {
      const kustomization = `images:\n  - name: ${host}/acme/web\n    newTag: 1.27.0 # pinned by the updater\n`;
      await git.createRepository('deploy', { 'overlays/web/kustomization.yaml': kustomization });
      fixture.kube.setSecret({ namespace: 'cr-git', name: 'git-creds', data: { url: git.url('deploy'), username: 'bot', password: 'git-password' } });
      seed(fixture, [webApp('cr-git', 'web')]);
      fixture.kube.setImageUpdater(
        imageUpdater('cr-git', 'git', {
          writeBackConfig: {
            method: 'git:secret:git-creds',
            gitConfig: { repository: git.url('deploy'), branch: 'main', writeBackTarget: 'kustomization:/overlays/web' },
          },
          applicationRefs: [{ namePattern: 'web', images: [{ alias: 'web', imageName: `${host}/acme/web:~1.27.0` }] }],
        }),
      );
      const run = await cycle(fixture, 'cr-git');
      assert.equal(run.summary.errors, 0, JSON.stringify(run.log.lines.filter((l) => l.level === 'error')));
      assert.equal(run.summary.imagesUpdated, 1);
      assert.equal(
        await git.read('deploy', 'main', 'overlays/web/kustomization.yaml'),
        kustomization.replace('newTag: 1.27.0', 'newTag: 1.27.10'),
        'only the tag moves; the comment stays',
      );
      assert.equal(images(fixture.kube.application('cr-git', 'web')), undefined, 'git write-back leaves the spec alone');
    } finally {
      await git.stop();
    }
  });
});

describe('ImageUpdater status writes', () => {
  test('a steady cycle writes no status; a stale lastCheckedAt is refreshed; a dry run writes nothing', async () => {
    const synced = webApp('cr-rate', 'web');
    synced.status = { ...synced.status, summary: { images: [`${host}/acme/web:1.27.10`] } };
    seed(fixture, [synced]);
    const spec = { applicationRefs: [{ namePattern: 'web', images: [{ alias: 'web', imageName: `${host}/acme/web:~1.27.0` }] }] };
    fixture.kube.setImageUpdater(imageUpdater('cr-rate', 'rate', spec));

    await cycle(fixture, 'cr-rate');
    assert.equal(statusWrites('cr-rate'), 1, 'the first cycle writes the status');
    const first = statusOf('cr-rate', 'rate');
    await cycle(fixture, 'cr-rate');
    assert.equal(statusWrites('cr-rate'), 1, 'nothing but lastCheckedAt would change: no write');
    assert.deepEqual(statusOf('cr-rate', 'rate'), first);

    const eleven = new Date(Date.now() - 11 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    fixture.kube.setImageUpdater(imageUpdater('cr-rate', 'rate', spec, { ...first, lastCheckedAt: eleven }));
    await cycle(fixture, 'cr-rate', { dryRun: 'true' });
    assert.equal(statusOf('cr-rate', 'rate').lastCheckedAt, eleven, 'a dry run writes no status');
    await cycle(fixture, 'cr-rate');
    assert.notEqual(statusOf('cr-rate', 'rate').lastCheckedAt, eleven, 'refreshed once it is 10 minutes old');
    assert.equal(statusWrites('cr-rate'), 2);

    // A spec change moves the generation: the next cycle writes observedGeneration at once.
    fixture.kube.setImageUpdater(imageUpdater('cr-rate', 'rate', { ...spec, commonUpdateSettings: { forceUpdate: false } }));
    await cycle(fixture, 'cr-rate');
    assert.equal(statusOf('cr-rate', 'rate').observedGeneration, 2);
    assert.equal(condition('cr-rate', 'rate', 'Ready')?.status, 'True');
  });
});

describe('clusters without ImageUpdater support', () => {
  test('no CRD (404) or no RBAC (403): annotation mode runs, with one warning and no error', async () => {
    const annotated = kustomizeApp({
      name: 'legacy',
      namespace: 'old',
      settings: { 'image-list': `web=${host}/acme/web:~1.27` },
      liveImages: [`${host}/acme/web:1.27.0`],
    });
    for (const options of [{}, { imageUpdaterCrd: true, forbidden: ['imageupdaters'] }]) {
      const kube = await startKubeApi({ tls: true, applications: [annotated], ...options });
      try {
        const log = captureLog();
        const summary = await runCycle(kube.kubeConfig(), parseOptions({ registriesConfPath: fixture.registriesConf }), { log });
        assert.equal(summary.errors, 0);
        assert.equal(summary.imagesUpdated, 1);
        assert.deepEqual(images(kube.application('old', 'legacy')), [`${host}/acme/web:1.27.10`]);
        const warnings = log.lines.filter((l) => l.level === 'warn');
        assert.equal(warnings.length, 1);
        assert.match(warnings[0]?.message ?? '', /ImageUpdater resources are not read; Applications are driven by their annotations only/);
      } finally {
        await kube.stop();
      }
    }
  });

  test('RBAC without imageupdaters/status: updates happen, one warning says what to grant', async () => {
    const kube = await startKubeApi({
      tls: true,
      applications: [kustomizeApp({ name: 'web', namespace: 'ro', settings: {}, liveImages: [`${host}/acme/web:1.27.0`] })],
      imageUpdaters: [imageUpdater('ro', 'web', { applicationRefs: [{ namePattern: 'web', images: [{ alias: 'web', imageName: `${host}/acme/web:~1.27` }] }] })],
      forbidden: ['imageupdaters/status'],
    });
    try {
      const log = captureLog();
      const summary = await runCycle(kube.kubeConfig(), parseOptions({ registriesConfPath: fixture.registriesConf }), { log });
      assert.equal(summary.imagesUpdated, 1);
      assert.equal(summary.errors, 0);
      const warnings = log.lines.filter((l) => l.level === 'warn');
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]?.message ?? '', /cannot write ImageUpdater status: HTTP 403.*grant update on imageupdaters\/status/);
    } finally {
      await kube.stop();
    }
  });
});

describe('imagesVerification', () => {
  /** A Kustomize app running acme/signed:1.0.0. */
  const signedApp = (namespace: string, name: string) => kustomizeApp({ name, namespace, settings: {}, liveImages: [`${host}/acme/signed:1.0.0`] });
  const verification = { cosignKey: { secretName: 'cosign', key: 'cosign.pub' } };

  test('a newer unsigned tag is skipped with a reason naming app, image and tag; the signed one is written; enabled: false on an image turns it off', async () => {
    fixture.kube.setSecret({ namespace: 'cr-cosign', name: 'cosign', data: { 'cosign.pub': signer.publicKeyPem } });
    seed(fixture, [signedApp('cr-cosign', 'web'), signedApp('cr-cosign', 'canary')]);
    fixture.kube.setImageUpdater(
      imageUpdater('cr-cosign', 'signed', {
        imagesVerification: verification,
        applicationRefs: [
          { namePattern: 'web', images: [{ alias: 'web', imageName: `${host}/acme/signed` }] },
          { namePattern: 'canary', images: [{ alias: 'web', imageName: `${host}/acme/signed`, imagesVerification: { enabled: false } }] },
        ],
      }),
    );
    const run = await cycle(fixture, 'cr-cosign');
    assert.equal(run.summary.errors, 0, JSON.stringify(run.log.lines.filter((l) => l.level === 'error')));
    assert.deepEqual(images(fixture.kube.application('cr-cosign', 'web')), [`${host}/acme/signed:1.1.0`]);
    assert.deepEqual(images(fixture.kube.application('cr-cosign', 'canary')), [`${host}/acme/signed:1.2.0`], 'not verified: the newest tag');
    const skipped = run.log.lines.filter((l) => l.level === 'warn' && l.message.includes('skipped'));
    assert.equal(skipped.length, 1);
    assert.match(skipped[0]?.message ?? '', new RegExp(`^application cr-cosign/web: image ${host}/acme/signed: tag 1\\.2\\.0 skipped: no cosign signature of sha256:`));
    const updated = run.log.lines.find((l) => l.level === 'info' && l.fields?.app === 'cr-cosign/web' && l.fields.outcome === 'updated');
    assert.match(String(updated?.fields?.reason), /semver picks 1\.1\.0 \(cosign signature verified; skipped without a valid signature: 1\.2\.0\)/);
  });

  test('signatures by another key only: the image is skipped, not written, and the cycle goes on', async () => {
    fixture.kube.setSecret({ namespace: 'cr-cosign-other', name: 'cosign', data: { 'cosign.pub': cosignKeys().publicKeyPem } });
    seed(fixture, [signedApp('cr-cosign-other', 'web'), webApp('cr-cosign-other', 'plain')]);
    fixture.kube.setImageUpdater(
      imageUpdater('cr-cosign-other', 'signed', {
        applicationRefs: [
          { namePattern: 'web', imagesVerification: verification, images: [{ alias: 'web', imageName: `${host}/acme/signed:>=1.1.0` }] },
          { namePattern: 'plain', images: [{ alias: 'web', imageName: `${host}/acme/web:~1.27.0` }] },
        ],
      }),
    );
    const run = await cycle(fixture, 'cr-cosign-other');
    assert.equal(run.summary.errors, 0);
    assert.equal(run.summary.imagesSkipped, 1);
    assert.equal(images(fixture.kube.application('cr-cosign-other', 'web')), undefined);
    assert.deepEqual(images(fixture.kube.application('cr-cosign-other', 'plain')), [`${host}/acme/web:1.27.10`]);
    const reasons = run.log.lines.filter((l) => l.level === 'warn' && l.message.includes('skipped')).map((l) => l.message);
    assert.equal(reasons.length, 2);
    assert.match(reasons[0] ?? '', /tag 1\.2\.0 skipped: no cosign signature of sha256:\w+ \(no sha256-\w+\.sig tag, no signature referrer\)$/);
    assert.match(reasons[1] ?? '', /tag 1\.1\.0 skipped: no valid cosign signature of sha256:\w+: the signature does not verify with the configured public key$/);
  });

  test('a Secret without the key is an error naming the resource, the Secret and the key; no key material is logged', async () => {
    fixture.kube.setSecret({ namespace: 'cr-cosign-nokey', name: 'cosign', data: { 'other.pub': signer.publicKeyPem } });
    seed(fixture, [signedApp('cr-cosign-nokey', 'web')]);
    fixture.kube.setImageUpdater(
      imageUpdater('cr-cosign-nokey', 'signed', { imagesVerification: verification, applicationRefs: [{ namePattern: 'web', images: [{ alias: 'web', imageName: `${host}/acme/signed` }] }] }),
    );
    const run = await cycle(fixture, 'cr-cosign-nokey');
    assert.equal(run.summary.errors, 1);
    const line = run.log.lines.find((l) => l.level === 'error');
    assert.match(line?.message ?? '', /ImageUpdater cr-cosign-nokey\/signed imagesVerification.cosignKey: secret cr-cosign-nokey\/cosign, key "cosign.pub": the secret has no key "cosign.pub"/);
    assert.equal(images(fixture.kube.application('cr-cosign-nokey', 'web')), undefined);
    assert.equal(condition('cr-cosign-nokey', 'signed', 'Error')?.reason, 'PartialErrors');
    assert.ok(!JSON.stringify(run.log.lines).includes('PUBLIC KEY'), 'no PEM in any log line');

    fixture.kube.setSecret({ namespace: 'cr-cosign-nokey', name: 'cosign', data: { 'cosign.pub': 'not a key' } });
    const garbage = await cycle(fixture, 'cr-cosign-nokey');
    assert.match(garbage.log.lines.find((l) => l.level === 'error')?.message ?? '', /secret cr-cosign-nokey\/cosign, key "cosign.pub": the value is not a PEM-encoded public key/);
  });

  test("the operator's key file applies to annotation-driven apps; a resource's apps follow their resource", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cosign-key-'));
    try {
      const keyFile = join(dir, 'cosign.pub');
      writeFileSync(keyFile, signer.publicKeyPem);
      const annotated = kustomizeApp({ name: 'annotated', namespace: 'op-cosign', settings: { 'image-list': `web=${host}/acme/signed` }, liveImages: [`${host}/acme/signed:1.0.0`] });
      seed(fixture, [annotated, signedApp('op-cosign', 'claimed')]);
      fixture.kube.setImageUpdater(imageUpdater('op-cosign', 'unverified', { applicationRefs: [{ namePattern: 'claimed', images: [{ alias: 'web', imageName: `${host}/acme/signed` }] }] }));
      const run = await cycle(fixture, 'op-cosign', { cosignPublicKeyFile: keyFile });
      assert.equal(run.summary.errors, 0, JSON.stringify(run.log.lines.filter((l) => l.level === 'error')));
      assert.deepEqual(images(fixture.kube.application('op-cosign', 'annotated')), [`${host}/acme/signed:1.1.0`], 'the unsigned 1.2.0 is skipped');
      assert.deepEqual(images(fixture.kube.application('op-cosign', 'claimed')), [`${host}/acme/signed:1.2.0`], 'its resource asks for no verification');

      seed(fixture, [kustomizeApp({ name: 'annotated', namespace: 'op-cosign', settings: { 'image-list': `web=${host}/acme/signed` }, liveImages: [`${host}/acme/signed:1.0.0`] })]);
      const missing = await cycle(fixture, 'op-cosign', { cosignPublicKeyFile: join(dir, 'absent.pub') });
      assert.match(missing.log.lines.find((l) => l.level === 'error')?.message ?? '', /cosign public key file .*absent\.pub \(IMAGE_UPDATER_COSIGN_PUBLIC_KEY_FILE\): cannot read the file: ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
