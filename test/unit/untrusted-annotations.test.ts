// Annotations are written by application owners, not the operator: what they may not ask for is
// an error naming the application, the annotation and the value, and leaves that image untracked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readApplicationSettings, type SettingsDefaults } from '../../lib/annotations/settings';
import { MAX_ANNOTATION_VALUE_LENGTH, MAX_IMAGE_LIST_ENTRIES } from '../../lib/annotations/limits';

const PREFIX = 'argocd-image-updater.argoproj.io/';

function read(settings: Record<string, string>, defaults: SettingsDefaults = {}, app = 'team-a/web') {
  const annotations = Object.fromEntries(Object.entries(settings).map(([key, value]) => [PREFIX + key, value]));
  return readApplicationSettings(app, annotations, defaults);
}

const messages = (settings: ReturnType<typeof read>) => settings.errors.map((error) => error.message);

test('env: and ext: pull secrets are the operator\'s: refused in an annotation, naming it', () => {
  for (const reference of ['ext:/usr/bin/env', 'env:AWS_SECRET_ACCESS_KEY', 'ghcr.io=ENV:X', ' ext:/bin/sh']) {
    const settings = read({ 'image-list': 'app=ghcr.io/team/app', 'app.pull-secret': reference, 'pull-secret': 'pullsecret:team-a/ok' });
    assert.deepEqual(settings.images, [], reference);
    assert.equal(settings.errors.length, 1, reference);
    assert.match(
      messages(settings)[0] ?? '',
      /^application team-a\/web: annotation argocd-image-updater\.argoproj\.io\/app\.pull-secret=".*": (env|ext): credentials are accepted only in registries\.conf/i,
    );
  }
  // The CLI's `test` command is the operator.
  const trusted = read({ 'image-list': 'app=ghcr.io/team/app', 'app.pull-secret': 'env:CREDS' }, { trustedCredentials: true });
  assert.equal(trusted.images[0]?.pullSecret, 'env:CREDS');
});

test('a pull secret must be in the application\'s namespace unless the operator lists more', () => {
  const own = read({ 'image-list': 'a=ghcr.io/x/a', 'pull-secret': 'pullsecret:team-a/regcred' });
  assert.equal(own.images[0]?.pullSecret, 'pullsecret:team-a/regcred');

  for (const reference of ['pullsecret:kube-system/aws-creds', 'secret:argocd/admin#password']) {
    const other = read({ 'image-list': 'a=ghcr.io/x/a', 'pull-secret': reference });
    assert.deepEqual(other.images, []);
    assert.match(messages(other).join('\n'), /annotation argocd-image-updater\.argoproj\.io\/pull-secret=.*is not the application's namespace "team-a".*IMAGE_UPDATER_SECRET_NAMESPACES/);
  }
  const widened = read({ 'image-list': 'a=ghcr.io/x/a', 'pull-secret': 'secret:shared/creds#auth' }, { secretNamespaces: ['shared'] });
  assert.equal(widened.images[0]?.pullSecret, 'secret:shared/creds#auth');
  const anyNamespace = read({ 'image-list': 'a=ghcr.io/x/a', 'pull-secret': 'secret:elsewhere/c#f' }, { secretNamespaces: ['*'] });
  assert.equal(anyNamespace.images.length, 1);
});

test('oversized annotation values and image lists track nothing and say why', () => {
  const long = read({ 'image-list': 'a=ghcr.io/x/a', 'a.allow-tags': `regexp:${'a'.repeat(MAX_ANNOTATION_VALUE_LENGTH)}` });
  assert.deepEqual(long.images, []);
  assert.match(messages(long)[0] ?? '', /annotation argocd-image-updater\.argoproj\.io\/a\.allow-tags="regexp:a+…": 8199 characters, more than the 8192 read/);
  assert.ok((messages(long)[0] ?? '').length < 300, 'the error does not repeat the whole value');

  const entries = Array.from({ length: MAX_IMAGE_LIST_ENTRIES + 1 }, (_, index) => `i${index}=ghcr.io/x/i${index}`).join(',');
  const many = read({ 'image-list': entries });
  assert.deepEqual(many.images, []);
  assert.match(messages(many)[0] ?? '', /image-list=.*: 51 images, more than the 50 one application may track/);
  assert.equal(read({ 'image-list': entries.split(',').slice(0, MAX_IMAGE_LIST_ENTRIES).join(',') }).images.length, MAX_IMAGE_LIST_ENTRIES);
});

test('Helm parameter names and Kustomize image names must fit their grammars', () => {
  const refused: [string, string][] = [
    ['a.helm.image-tag', 'image.tag,image.repository=evil.io/x'],
    ['a.helm.image-name', 'image name'],
    ['a.helm.image-spec', 'image=x'],
    ['a.helm.image-name', 'line\nbreak'],
    ['a.kustomize.image-name', 'nginx=evil.io/x'],
    ['a.kustomize.image-name', 'nginx:1.2'],
    ['a.kustomize.image-name', 'Upper/Case'],
  ];
  for (const [key, value] of refused) {
    const settings = read({ 'image-list': 'a=ghcr.io/x/a', [key]: value });
    assert.deepEqual(settings.images, [], `${key}=${value}`);
    assert.match(messages(settings)[0] ?? '', new RegExp(`annotation ${PREFIX.replaceAll('.', '\\.')}${key.replaceAll('.', '\\.')}=.*: not an? (Helm parameter|image) name`));
  }
  const accepted = read({
    'image-list': 'a=ghcr.io/x/a',
    'a.helm.image-name': 'frontend.image[0].repository',
    'a.helm.image-tag': 'podAnnotations.app\\.kubernetes\\.io/version',
    'a.kustomize.image-name': 'localhost:5000/team/app',
  });
  assert.deepEqual(messages(accepted), []);
  assert.equal(accepted.images[0]?.kustomizeImageName, 'localhost:5000/team/app');
});
