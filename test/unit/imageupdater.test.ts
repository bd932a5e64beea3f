// ImageUpdater resources read without a server: ranking and selection, the settings merge, the
// write-back mapping, the pull-secret namespace rule, and the status a cycle leaves.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Application, Decision } from '../../lib/model';
import type { ImageUpdaterOutcome } from '../../lib/imageupdater/plan';
import { readImageUpdater, type ImageUpdaterSpec } from '../../lib/imageupdater/resource';
import { compileLabelSelector, matchingRefs, rankRefs, specificity } from '../../lib/imageupdater/selection';
import { settingsForApplication } from '../../lib/imageupdater/settings';
import type { SettingsDefaults } from '../../lib/annotations/settings';
import { LAST_CHECKED_REFRESH_MS, needsWrite, nextStatus } from '../../lib/imageupdater/status';
import { kustomizeApp } from '../support/applications';

const app = (name: string, labels: Record<string, string> = {}): Application =>
  kustomizeApp({ name, namespace: 'team', settings: {}, labels, liveImages: [] });

function resource(spec: unknown) {
  return readImageUpdater({ metadata: { namespace: 'team', name: 'updater', generation: 3 }, spec });
}

function spec(value: unknown): ImageUpdaterSpec {
  const read = resource(value).spec;
  assert.ok(read.ok, 'spec reads');
  return read.value;
}

test('specificity: an exact name beats any glob, then literal characters, then label selectors and their terms', () => {
  assert.equal(specificity({ namePattern: 'web' }), 1_000_003);
  assert.equal(specificity({ namePattern: 'web-[ab]*' }), 4);
  assert.equal(specificity({ namePattern: '*', labelSelectors: { matchLabels: { a: 'b' }, matchExpressions: [{ key: 'c', operator: 'Exists' }] } }), 10_200);
  const selector = rankRefs(spec({ applicationRefs: [
    { namePattern: '*', images: [{ alias: 'a', imageName: 'x' }] },
    { namePattern: 'web-*', images: [{ alias: 'a', imageName: 'x' }] },
    { namePattern: 'web-api', images: [{ alias: 'a', imageName: 'x' }] },
    { namePattern: 'w*', images: [{ alias: 'a', imageName: 'x' }] },
  ] }));
  assert.deepEqual(selector.refs.map((r) => r.ref.namePattern), ['web-api', 'web-*', 'w*', '*']);
  assert.deepEqual(matchingRefs(selector, app('web-ui')).map((r) => r.index), [1, 3, 0]);
});

test('a malformed namePattern fails the whole resource; an invalid label selector only its ref, with a warning', () => {
  assert.throws(() => rankRefs(spec({ applicationRefs: [{ namePattern: 'ok', useAnnotations: true }, { namePattern: 'web-[', useAnnotations: true }] })),
    /invalid application name pattern 'web-\[' \(spec.applicationRefs\[1\].namePattern\)/);
  const selector = rankRefs(spec({ applicationRefs: [
    { namePattern: '*', useAnnotations: true, labelSelectors: { matchExpressions: [{ key: 'tier', operator: 'In' }] } },
  ] }));
  assert.match(selector.warnings[0] ?? '', /tier In: values must be non-empty/);
  assert.deepEqual(matchingRefs(selector, app('web', { tier: 'x' })), []);
});

test('label selectors: matchLabels and every matchExpressions operator, all ANDed', () => {
  const compiled = compileLabelSelector({
    matchLabels: { team: 'a' },
    matchExpressions: [
      { key: 'tier', operator: 'In', values: ['web', 'api'] },
      { key: 'env', operator: 'NotIn', values: ['prod'] },
      { key: 'owner', operator: 'Exists' },
      { key: 'frozen', operator: 'DoesNotExist' },
    ],
  });
  assert.ok('matches' in compiled);
  assert.equal(compiled.matches({ team: 'a', tier: 'web', owner: 'x' }), true);
  assert.equal(compiled.matches({ team: 'a', tier: 'web', owner: 'x', env: 'prod' }), false);
  assert.equal(compiled.matches({ team: 'a', tier: 'db', owner: 'x' }), false);
  assert.equal(compiled.matches({ team: 'a', tier: 'web' }), false);
  assert.equal(compiled.matches({ team: 'a', tier: 'web', owner: 'x', frozen: '' }), false);
  assert.ok('error' in compileLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }));
  assert.ok('error' in compileLabelSelector({ matchLabels: { 'bad key!': 'x' } }));
});

function settingsOf(value: unknown, index = 0, annotations: Record<string, string> = {}, defaults: SettingsDefaults = {}) {
  const imageUpdater = resource(value);
  assert.ok(imageUpdater.spec.ok);
  const ref = imageUpdater.spec.value.applicationRefs[index];
  assert.ok(ref);
  return settingsForApplication({ imageUpdater, spec: imageUpdater.spec.value, ref, index, app: 'team/web', annotations, defaults });
}

test('commonUpdateSettings merge field by field, the most specific level winning, lists replaced whole', () => {
  const result = settingsOf({
    commonUpdateSettings: { updateStrategy: 'alphabetical', forceUpdate: true, ignoreTags: ['a*', 'b*'], platforms: ['linux/amd64'] },
    applicationRefs: [{
      namePattern: 'web',
      commonUpdateSettings: { allowTags: 'regexp:^v', ignoreTags: ['c*'] },
      images: [
        { alias: 'one', imageName: 'ghcr.io/acme/one:>=1.2 <2', commonUpdateSettings: { updateStrategy: 'semver', forceUpdate: false } },
        { alias: 'two', imageName: 'ghcr.io/acme/two', manifestTargets: { kustomize: { name: 'acme/two' } } },
      ],
    }],
  });
  assert.equal(result.kind, 'settings');
  assert.ok(result.kind === 'settings');
  const [one, two] = result.settings.images;
  assert.deepEqual(
    [one?.strategy, one?.constraint, one?.forceUpdate, one?.ignoreTags, one?.allowTags, one?.platforms],
    ['semver', '>=1.2 <2', false, ['c*'], 'regexp:^v', [{ os: 'linux', arch: 'amd64' }]],
  );
  assert.deepEqual([two?.strategy, two?.forceUpdate, two?.kustomizeImageName, two?.helm], ['alphabetical', true, 'acme/two', { imageName: 'image.name', imageTag: 'image.tag' }]);
  assert.deepEqual(result.settings.writeBack, { method: 'argocd' });
});

test('bad values are errors naming the application, the resource, the field and the value; the image is left out', () => {
  const result = settingsOf({
    applicationRefs: [{
      namePattern: 'web',
      images: [
        { alias: 'bad', imageName: 'ghcr.io/acme/web', commonUpdateSettings: { allowTags: '^v1', updateStrategy: 'digest' } },
        { alias: 'good', imageName: 'ghcr.io/acme/api' },
      ],
    }],
  });
  assert.ok(result.kind === 'settings');
  assert.deepEqual(result.settings.images.map((image) => image.alias), ['good']);
  assert.deepEqual(result.settings.errors.map((error) => error.message), [
    `application team/web: ImageUpdater team/updater spec.applicationRefs[0].images[0].commonUpdateSettings.updateStrategy="digest": cannot use update strategy 'digest' without a version constraint (the tag part of imageName)`,
    `application team/web: ImageUpdater team/updater spec.applicationRefs[0].images[0].commonUpdateSettings.allowTags="^v1": expected "any" or "regexp:<expression>"`,
  ]);
});

test('writeBackConfig: method and gitConfig merge spec → ref into the write-back settings; git secrets stay in the namespace', () => {
  const git = settingsOf({
    writeBackConfig: { method: 'git:secret:git-creds', gitConfig: { repository: 'https://git.example.com/deploy.git', branch: 'main' } },
    applicationRefs: [{ namePattern: 'web', writeBackConfig: { gitConfig: { writeBackTarget: 'kustomization:../base' } }, images: [{ alias: 'a', imageName: 'x' }] }],
  });
  assert.ok(git.kind === 'settings');
  assert.deepEqual(git.settings.writeBack, {
    method: 'git',
    credentials: 'secret:team/git-creds',
    repository: 'https://git.example.com/deploy.git',
    branch: 'main',
    target: 'kustomization:../base',
  });
  const foreign = settingsOf({ writeBackConfig: { method: 'git:secret:argocd/creds' }, applicationRefs: [{ namePattern: 'web', images: [{ alias: 'a', imageName: 'x' }] }] });
  assert.equal(foreign.kind, 'error');
  assert.match(foreign.kind === 'error' ? foreign.reason : '', /git secret's namespace 'argocd' differs from the ImageUpdater's 'team'/);
});

test('gitConfig.pullRequest opens a GitHub pull request or GitLab merge request with its labels; exactly one provider', () => {
  const ref = { namePattern: 'web', images: [{ alias: 'a', imageName: 'x' }] };
  const github = settingsOf({ writeBackConfig: { method: 'git', gitConfig: { pullRequest: { github: {}, labels: ['image-update'] } } }, applicationRefs: [ref] });
  assert.ok(github.kind === 'settings');
  assert.deepEqual(github.settings.writeBack, { method: 'git', credentials: 'repocreds', pullRequest: { provider: 'github', labels: ['image-update'] } });
  const both = settingsOf({ writeBackConfig: { method: 'git', gitConfig: { pullRequest: { github: {}, gitlab: {} } } }, applicationRefs: [ref] });
  assert.match(both.kind === 'error' ? both.reason : '', /gitConfig.pullRequest .*: exactly one of github or gitlab must be set/);
  const twoBranches = settingsOf({ writeBackConfig: { method: 'git', gitConfig: { branch: 'main:update', pullRequest: { gitlab: {} } } }, applicationRefs: [ref] });
  assert.match(twoBranches.kind === 'error' ? twoBranches.reason : '', /gitConfig.branch "main:update": no write branch with pullRequest/);
});

test("useAnnotations reads the app's annotations only, and falls through without image-list", () => {
  const withList = settingsOf(
    { commonUpdateSettings: { updateStrategy: 'digest' }, applicationRefs: [{ namePattern: 'web', useAnnotations: true }] },
    0,
    { 'argocd-image-updater.argoproj.io/image-list': 'web=ghcr.io/acme/web', 'argocd-image-updater.argoproj.io/web.pull-secret': 'pullsecret:other/x' },
  );
  assert.ok(withList.kind === 'settings');
  assert.deepEqual(withList.settings.images, [], 'the foreign pull secret leaves the image out');
  assert.match(withList.settings.errors[0]?.message ?? '', /pull-secret="pullsecret:other\/x": secret namespace "other" is not the application's namespace "team"/);
  assert.equal(settingsOf({ applicationRefs: [{ namePattern: 'web', useAnnotations: true }] }).kind, 'fall-through');
});

test("a pull secret of another namespace, env: or ext: leaves the image out; the operator's namespaces widen it", () => {
  const withPullSecret = (pullSecret: string, defaults: SettingsDefaults = {}) => {
    const result = settingsOf({ applicationRefs: [{ namePattern: 'web', images: [{ alias: 'a', imageName: 'x', commonUpdateSettings: { pullSecret } }] }] }, 0, {}, defaults);
    assert.ok(result.kind === 'settings');
    return { aliases: result.settings.images.map((image) => image.alias), error: result.settings.errors[0]?.message ?? '' };
  };
  assert.deepEqual(withPullSecret('pullsecret:team/regcred').aliases, ['a']);
  assert.deepEqual(withPullSecret('secret:team/creds#token').aliases, ['a']);
  const foreign = withPullSecret('secret:argocd/creds#token');
  assert.deepEqual(foreign.aliases, []);
  assert.match(foreign.error, /images\[0\].commonUpdateSettings.pullSecret.*secret namespace "argocd" is not the application's namespace "team"/);
  assert.match(withPullSecret('env:REGISTRY_CREDS').error, /env: credentials are accepted only in registries.conf/);
  assert.match(withPullSecret('ext:/bin/sh').error, /ext: credentials are accepted only in registries.conf/);
  assert.deepEqual(withPullSecret('pullsecret:registry-creds/x', { secretNamespaces: ['registry-creds'] }).aliases, ['a']);
});

test('a spec the CRD would not have stored is that resource’s error, not a crash', () => {
  const read = resource({ applicationRefs: [{ namePattern: 7 }] });
  assert.equal(read.spec.ok, false);
  assert.match(read.spec.ok ? '' : read.spec.error, /ImageUpdater team\/updater cannot be read: spec.applicationRefs.0.namePattern/);
});

test('status: conditions keep their transition time until they flip; writes only when more than lastCheckedAt changes', () => {
  const web = app('web');
  const outcome: ImageUpdaterOutcome = { imageUpdater: resource({ applicationRefs: [{ namePattern: 'web', useAnnotations: true }] }), apps: [web], appErrors: [] };
  const updated: Decision = { app: 'team/web', alias: 'web', image: 'ghcr.io/acme/web', from: 'ghcr.io/acme/web:1.0.0', to: 'ghcr.io/acme/web:1.1.0@sha256:' + 'a'.repeat(64), outcome: 'updated', reason: '' };
  const t0 = new Date('2026-12-01T10:00:00Z');
  const first = nextStatus(outcome, [updated], {}, t0);
  assert.equal(first.observedGeneration, 3);
  assert.deepEqual(first.recentUpdates?.[0]?.newVersion, `1.1.0@sha256:${'a'.repeat(64)}`);
  assert.equal(first.lastUpdatedAt, '2026-12-01T10:00:00Z');

  const t1 = new Date(t0.getTime() + 60_000);
  const steady = nextStatus(outcome, [{ ...updated, outcome: 'unchanged', from: updated.to }], first, t1);
  assert.equal(steady.lastUpdatedAt, first.lastUpdatedAt, 'kept when nothing was updated');
  assert.equal(needsWrite(first, steady, t1), true, 'the Ready message no longer counts an update');
  const t2 = new Date(t1.getTime() + 60_000);
  const again = nextStatus(outcome, [{ ...updated, outcome: 'unchanged', from: updated.to }], steady, t2);
  assert.equal(needsWrite(steady, again, t2), false, 'only lastCheckedAt would move');
  assert.equal(needsWrite(steady, again, new Date(t1.getTime() + LAST_CHECKED_REFRESH_MS)), true);

  const failing = nextStatus(outcome, [{ ...updated, outcome: 'error' }], steady, t1);
  const ready = failing.conditions?.find((c) => c.type === 'Ready');
  const error = failing.conditions?.find((c) => c.type === 'Error');
  assert.deepEqual([ready?.status, ready?.reason, ready?.lastTransitionTime], ['True', 'ReconcileCompletedWithErrors', '2026-12-01T10:00:00Z']);
  assert.deepEqual([error?.status, error?.reason, error?.lastTransitionTime], ['True', 'PartialErrors', '2026-12-01T10:01:00Z']);
  assert.equal(needsWrite(steady, failing, t1), true);
});

test('imagesVerification: the most specific level that has one applies whole; enabled defaults to true, false turns it off', () => {
  const specKey = { secretName: 'cosign', key: 'cosign.pub' };
  const result = settingsOf({
    imagesVerification: { cosignKey: specKey },
    applicationRefs: [{
      namePattern: 'web',
      images: [
        { alias: 'inherits', imageName: 'ghcr.io/acme/one' },
        { alias: 'off', imageName: 'ghcr.io/acme/two', imagesVerification: { enabled: false } },
        { alias: 'own', imageName: 'ghcr.io/acme/three', imagesVerification: { enabled: true, cosignKey: { secretName: 'team-keys', key: 'three.pub' } } },
      ],
    }],
  });
  assert.ok(result.kind === 'settings');
  assert.deepEqual(
    result.settings.images.map((image) => [image.alias, image.cosignKey]),
    [
      ['inherits', { kind: 'secret', imageUpdater: 'team/updater', namespace: 'team', secretName: 'cosign', key: 'cosign.pub' }],
      ['off', undefined],
      ['own', { kind: 'secret', imageUpdater: 'team/updater', namespace: 'team', secretName: 'team-keys', key: 'three.pub' }],
    ],
  );

  const refOff = settingsOf({ imagesVerification: { cosignKey: specKey }, applicationRefs: [{ namePattern: 'web', imagesVerification: { enabled: false }, images: [{ alias: 'a', imageName: 'x' }] }] });
  assert.ok(refOff.kind === 'settings');
  assert.equal(refOff.settings.images[0]?.cosignKey, undefined, 'enabled: false on the ref turns the spec level off');
});

test('imagesVerification enabled without a cosignKey leaves the image out with an error naming the field', () => {
  const result = settingsOf({ applicationRefs: [{ namePattern: 'web', images: [{ alias: 'a', imageName: 'ghcr.io/acme/a', imagesVerification: { enabled: true } }] }] });
  assert.ok(result.kind === 'settings');
  assert.deepEqual(result.settings.images, []);
  assert.equal(
    result.settings.errors[0]?.message,
    'application team/web: ImageUpdater team/updater spec.applicationRefs[0].images[0].imagesVerification="{\\"enabled\\":true}": verification is enabled without a cosignKey; the image is not updated',
  );
});

test("useAnnotations: the resource's imagesVerification still applies to the annotated images", () => {
  const result = settingsOf(
    { imagesVerification: { cosignKey: { secretName: 'cosign', key: 'cosign.pub' } }, applicationRefs: [{ namePattern: 'web', useAnnotations: true }] },
    0,
    { 'argocd-image-updater.argoproj.io/image-list': 'web=ghcr.io/acme/web' },
  );
  assert.ok(result.kind === 'settings');
  assert.deepEqual(result.settings.images.map((image) => image.cosignKey?.kind === 'secret' && image.cosignKey.secretName), ['cosign']);
});
