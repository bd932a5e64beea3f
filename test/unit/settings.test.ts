import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blocksApplication, readApplicationSettings, type ApplicationSettings } from '../../lib/annotations/settings';
import type { ImageSpecification } from '../../lib/model';

const PREFIX = 'argocd-image-updater.argoproj.io/';
const APP = 'argocd/demo';

function read(settings: Record<string, string>, defaults = {}): ApplicationSettings {
  const annotations = Object.fromEntries(Object.entries(settings).map(([key, value]) => [PREFIX + key, value]));
  return readApplicationSettings(APP, { 'unrelated/annotation': 'x', ...annotations }, defaults);
}

function only(settings: ApplicationSettings): ImageSpecification {
  assert.deepEqual(settings.errors.map((error) => error.message), []);
  assert.equal(settings.images.length, 1);
  return settings.images[0] as ImageSpecification;
}

test('the worked example: <alias>.semver sets the constraint of that alias', () => {
  const spec = only(read({ 'image-list': 'app=ghcr.io/nginxinc/nginx-unprivileged', 'app.semver': '>=1.27.0 <1.28.0' }));
  assert.equal(spec.alias, 'app');
  assert.equal(spec.hasAlias, true);
  assert.deepEqual(spec.image, { registry: 'ghcr.io', name: 'nginxinc/nginx-unprivileged' });
  assert.equal(spec.strategy, 'semver');
  assert.equal(spec.constraint, '>=1.27.0 <1.28.0');
});

test('<alias>.semver takes precedence over the constraint in image-list', () => {
  assert.equal(only(read({ 'image-list': 'app=nginx:~1.25', 'app.semver': '~1.27' })).constraint, '~1.27');
  assert.equal(only(read({ 'image-list': 'app=nginx:~1.25', 'app.semver': ' ' })).constraint, '~1.25');
});

test('defaults: semver, every tag allowed, nothing ignored, any platform, helm image.name/image.tag', () => {
  const spec = only(read({ 'image-list': 'app=nginx:1.x' }));
  assert.equal(spec.strategy, 'semver');
  assert.equal(spec.constraint, '1.x');
  assert.equal(spec.allowTags, undefined);
  assert.equal(spec.allowsTag('anything'), true);
  assert.deepEqual(spec.ignoreTags, []);
  assert.equal(spec.platforms, undefined);
  assert.equal(spec.forceUpdate, false);
  assert.equal(spec.pullSecret, undefined);
  assert.deepEqual(spec.helm, { imageName: 'image.name', imageTag: 'image.tag' });
  assert.equal(spec.kustomizeImageName, undefined);
  assert.deepEqual(read({}).images, []);
});

test('image-level settings beat app-wide ones; the first annotation present wins even when empty', () => {
  const settings = read({
    'image-list': 'a=ghcr.io/x/a, b=ghcr.io/x/b',
    'update-strategy': 'newest-build',
    'a.update-strategy': 'alphabetical',
    'allow-tags': 'regexp:^v',
    'a.allow-tags': 'regexp:^1\\.',
    'ignore-tags': 'dev-*',
    'a.ignore-tags': 'latest, nightly-* ,',
    'force-update': 'true',
    'a.force-update': 'false',
    'pull-secret': 'pullsecret:argocd/all',
    'a.pull-secret': 'secret:argocd/a#creds',
  });
  const [a, b] = settings.images;
  assert.deepEqual(settings.errors, []);
  assert.equal(a?.strategy, 'alphabetical');
  assert.equal(b?.strategy, 'newest-build');
  assert.deepEqual([a?.allowsTag('1.0'), a?.allowsTag('v1.0'), b?.allowsTag('1.0'), b?.allowsTag('v1.0')], [true, false, false, true]);
  assert.equal(a?.allowTags, 'regexp:^1\\.');
  assert.deepEqual(a?.ignoreTags, ['latest', 'nightly-*']);
  assert.deepEqual(b?.ignoreTags, ['dev-*']);
  assert.deepEqual([a?.forceUpdate, b?.forceUpdate], [false, true]);
  assert.deepEqual([a?.pullSecret, b?.pullSecret], ['secret:argocd/a#creds', 'pullsecret:argocd/all']);
  // An empty image-level value is found first and means the default, not the app-wide value.
  assert.equal(only(read({ 'image-list': 'a=nginx', 'update-strategy': 'digest', 'a.update-strategy': '' })).strategy, 'semver');
});

test('an alias with / uses _ in annotation keys', () => {
  const spec = only(read({ 'image-list': 'argoproj/argocd=quay.io/argoproj/argocd:~2.9', 'argoproj_argocd.update-strategy': 'digest' }));
  assert.equal(spec.alias, 'argoproj/argocd');
  assert.equal(spec.strategy, 'digest');
});

test('without an alias only app-wide settings apply and the alias is the image name', () => {
  const settings = read({
    'image-list': 'bitnami/nginx:~1.25',
    'bitnami_nginx.update-strategy': 'digest',
    'bitnami_nginx.helm.image-name': 'nginx.image',
    'allow-tags': 'regexp:^1',
  });
  const spec = only(settings);
  assert.equal(spec.alias, 'bitnami/nginx');
  assert.equal(spec.hasAlias, false);
  assert.equal(spec.strategy, 'semver');
  assert.deepEqual(spec.helm, { imageName: 'image.name', imageTag: 'image.tag' });
  assert.equal(spec.allowsTag('2.0'), false);
  assert.equal(settings.warnings.length, 1);
  assert.match(settings.warnings[0] ?? '', /bitnami_nginx\.update-strategy.*ignored: image bitnami\/nginx is listed without an alias/);
});

test('legacy strategy names and unknown ones warn', () => {
  const latest = read({ 'image-list': 'a=nginx', 'a.update-strategy': 'latest' });
  assert.equal(only(latest).strategy, 'newest-build');
  assert.match(latest.warnings[0] ?? '', /a\.update-strategy: strategy "latest" has been renamed to "newest-build"/);
  const name = read({ 'image-list': 'a=nginx', 'update-strategy': 'NAME' });
  assert.equal(only(name).strategy, 'alphabetical');
  const unknown = read({ 'image-list': 'a=nginx:1.x', 'a.update-strategy': 'newest' });
  assert.equal(only(unknown).strategy, 'semver');
  assert.match(unknown.warnings[0] ?? '', /unknown update strategy "newest"; using semver/);
  assert.equal(only(read({ 'image-list': 'a=nginx', 'a.update-strategy': 'Newest-Push' })).strategy, 'newest-push');
});

test('the deprecated <alias>.tag-match applies when allow-tags is empty or missing', () => {
  const settings = read({ 'image-list': 'a=nginx', 'a.tag-match': 'regexp:^stable-' });
  const spec = only(settings);
  assert.equal(spec.allowsTag('stable-1'), true);
  assert.equal(spec.allowsTag('1.0'), false);
  assert.match(settings.warnings[0] ?? '', /a\.tag-match: deprecated; use allow-tags/);
  assert.equal(only(read({ 'image-list': 'a=nginx', 'a.allow-tags': 'any', 'a.tag-match': 'regexp:^x' })).allowsTag('1.0'), true);
});

test('a bad allow-tags is an error naming app, annotation and value; other aliases still come back', () => {
  const settings = read({ 'image-list': 'a=nginx, b=redis', 'a.allow-tags': 'regexp:(' });
  assert.deepEqual(settings.images.map((spec) => spec.alias), ['b']);
  assert.equal(settings.errors.length, 1);
  const [error] = settings.errors;
  assert.equal(error?.app, APP);
  assert.equal(error?.annotation, `${PREFIX}a.allow-tags`);
  assert.equal(error?.value, 'regexp:(');
  assert.match(error?.message ?? '', /^application argocd\/demo: annotation argocd-image-updater\.argoproj\.io\/a\.allow-tags="regexp:\(": invalid regular expression/);
});

test('an app-wide bad setting is reported once for all the aliases it breaks', () => {
  const settings = read({ 'image-list': 'a=nginx, b=redis', 'allow-tags': 'latest' });
  assert.deepEqual(settings.images, []);
  assert.equal(settings.errors.length, 1);
  assert.equal(settings.errors[0]?.annotation, `${PREFIX}allow-tags`);
});

test('platforms: image level only, the configured default otherwise, malformed is an error', () => {
  const linux = [{ os: 'linux', arch: 'amd64' }];
  assert.deepEqual(only(read({ 'image-list': 'a=nginx', 'a.platforms': 'linux/arm64/v8, linux/amd64' })).platforms, [
    { os: 'linux', arch: 'arm64', variant: 'v8' },
    { os: 'linux', arch: 'amd64' },
  ]);
  assert.deepEqual(only(read({ 'image-list': 'a=nginx' }, { platforms: linux })).platforms, linux);
  assert.equal(only(read({ 'image-list': 'a=nginx', platforms: 'linux/arm64' })).platforms, undefined, 'no app-wide platforms');
  const bad = read({ 'image-list': 'a=nginx, b=redis', 'a.platforms': 'linux/amd64,arm64' });
  assert.deepEqual(bad.images.map((spec) => spec.alias), ['b']);
  assert.equal(bad.errors[0]?.annotation, `${PREFIX}a.platforms`);
  assert.match(bad.errors[0]?.message ?? '', /platform "arm64" is not os\/arch\[\/variant\]/);
});

test('force-update counts only the exact string "true"', () => {
  for (const [value, expected] of [['true', true], ['True', false], ['yes', false], ['1', false]] as const) {
    assert.equal(only(read({ 'image-list': 'a=nginx', 'a.force-update': value })).forceUpdate, expected, value);
  }
});

test('helm and kustomize target annotations (image level)', () => {
  const spec = only(
    read({
      'image-list': 'web=ghcr.io/x/web',
      'web.helm.image-name': 'web.image.repository',
      'web.helm.image-tag': 'web.image.tag',
      'web.kustomize.image-name': ' web ',
    }),
  );
  assert.deepEqual(spec.helm, { imageName: 'web.image.repository', imageTag: 'web.image.tag' });
  assert.equal(spec.kustomizeImageName, 'web');
  const imageSpec = only(read({ 'image-list': 'web=ghcr.io/x/web', 'web.helm.image-spec': ' web.image ', 'web.helm.image-name': '' }));
  assert.deepEqual(imageSpec.helm, { imageName: 'image.name', imageTag: 'image.tag', imageSpec: 'web.image' });
});

test('an invalid semver constraint is an error on the annotation that set it', () => {
  const inline = read({ 'image-list': 'a=nginx:latest, b=redis:7.x' });
  assert.deepEqual(inline.images.map((spec) => spec.alias), ['b']);
  assert.equal(inline.errors[0]?.annotation, `${PREFIX}image-list`);
  assert.equal(inline.errors[0]?.value, 'a=nginx:latest');
  assert.match(inline.errors[0]?.message ?? '', /invalid semver constraint "latest"/);
  const override = read({ 'image-list': 'a=nginx', 'a.semver': '>= one' });
  assert.equal(override.errors[0]?.annotation, `${PREFIX}a.semver`);
  assert.equal(override.errors[0]?.value, '>= one');
  assert.equal(override.errors[0]?.alias, 'a', 'an error on an alias key names that alias');
  assert.equal(inline.errors[0]?.alias, 'a', 'an error in an image-list entry names its alias');
  // Other strategies do not read the constraint as semver.
  assert.equal(only(read({ 'image-list': 'a=nginx:latest', 'a.update-strategy': 'digest' })).constraint, 'latest');
  const ignored = read({ 'image-list': 'a=nginx', 'a.update-strategy': 'newest-build', 'a.semver': '~1' });
  assert.equal(only(ignored).strategy, 'newest-build');
  assert.match(ignored.warnings[0] ?? '', /a\.semver: ignored: the update strategy is newest-build/);
  assert.equal(only(read({ 'image-list': 'a=nginx:stable', 'a.update-strategy': 'digest', 'a.semver': '~1' })).constraint, 'stable');
});

test('the digest strategy without a constraint is an error', () => {
  const settings = read({ 'image-list': 'a=nginx, b=redis:latest', 'update-strategy': 'digest' });
  assert.deepEqual(settings.images.map((spec) => spec.alias), ['b']);
  assert.equal(settings.errors[0]?.annotation, `${PREFIX}update-strategy`);
  assert.equal(settings.errors[0]?.alias, undefined, 'an app-wide setting belongs to no single alias');
  assert.match(settings.errors[0]?.message ?? '', /cannot use update strategy 'digest' without a version constraint/);
});

test('an unreadable image-list entry is an error; the other entries come back', () => {
  const settings = read({ 'image-list': 'a=nginx:1.x, b=, c=my image:1' });
  assert.deepEqual(settings.images.map((spec) => spec.alias), ['a']);
  assert.deepEqual(settings.errors.map((error) => error.value), ['b=', 'c=my image:1']);
});

test('write-back settings; a bad method is an error that blocks the application', () => {
  assert.deepEqual(read({ 'image-list': 'a=nginx' }).writeBack, { method: 'argocd' });
  assert.deepEqual(read({ 'image-list': 'a=nginx', 'write-back-method': 'git', 'git-branch': 'main' }).writeBack, {
    method: 'git',
    credentials: 'repocreds',
    branch: 'main',
  });
  const bad = read({ 'image-list': 'a=nginx', 'write-back-method': 'gitops' });
  assert.deepEqual(bad.writeBack, { method: 'argocd' });
  assert.equal(bad.images.length, 1);
  assert.equal(bad.errors[0]?.annotation, `${PREFIX}write-back-method`);
  assert.equal(bad.errors[0]?.value, 'gitops');
  assert.equal(blocksApplication(bad.errors[0]!), true);
  const branch = read({ 'image-list': 'a=nginx', 'write-back-method': 'git', 'git-branch': 'a:b:c' });
  assert.equal(blocksApplication(branch.errors[0]!), true);
  const image = read({ 'image-list': 'a=nginx:latest' });
  assert.equal(blocksApplication(image.errors[0]!), false);
});

test('interval: a positive Go duration, in minutes', () => {
  assert.equal(read({ 'image-list': 'a=nginx', interval: '90s' }).intervalMinutes, 1.5);
  assert.equal(read({ 'image-list': 'a=nginx', interval: '1h30m' }).intervalMinutes, 90);
  assert.equal(read({ 'image-list': 'a=nginx' }).intervalMinutes, undefined);
  for (const value of ['5', '0', '-5m', 'often']) {
    const settings = read({ 'image-list': 'a=nginx', interval: value });
    assert.equal(settings.intervalMinutes, undefined, value);
    assert.equal(settings.images.length, 1);
    assert.equal(settings.errors[0]?.annotation, `${PREFIX}interval`);
    assert.equal(settings.errors[0]?.message, `application ${APP}: annotation ${PREFIX}interval=${JSON.stringify(value)}: expected a positive duration such as 90s, 5m or 1h30m`);
    assert.equal(blocksApplication(settings.errors[0]!), true);
  }
});

test('a malformed ignore-tags glob warns and ignores nothing', () => {
  const settings = read({ 'image-list': 'a=nginx', 'a.ignore-tags': '[abc, dev-*' });
  assert.deepEqual(only(settings).ignoreTags, ['[abc', 'dev-*']);
  assert.match(settings.warnings[0] ?? '', /glob "\[abc" is malformed/);
});
