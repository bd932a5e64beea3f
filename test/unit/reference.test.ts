import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ImageRef } from '../../lib/model';
import { formatImage, imageNameWithoutTag, isDockerHub, parseImageReference, sameImageName, tagWithDigest } from '../../lib/image/reference';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

const parsed: [text: string, expected: ImageRef][] = [
  // Docker Hub written implicitly has no registry; library/ added by normalisation is dropped.
  ['nginx', { registry: '', name: 'nginx' }],
  ['nginx:1.25', { registry: '', name: 'nginx', tag: '1.25' }],
  ['jannfis/test-image:0.1', { registry: '', name: 'jannfis/test-image', tag: '0.1' }],
  ['library/test-image', { registry: '', name: 'library/test-image' }],
  ['docker.io/jannfis/test-image:0.1', { registry: 'docker.io', name: 'jannfis/test-image', tag: '0.1' }],
  ['docker.io/library/nginx:1.25', { registry: 'docker.io', name: 'nginx', tag: '1.25' }],
  ['docker.io/nginx', { registry: 'docker.io', name: 'nginx' }],
  ['index.docker.io/nginx:1', { registry: '', name: 'nginx', tag: '1' }],
  // Fixed: other registries keep library/ (v0.17 dropped it everywhere).
  ['harbor.example.com/library/app:2.0', { registry: 'harbor.example.com', name: 'library/app', tag: '2.0' }],
  ['gcr.io/jannfis/test-image:0.1', { registry: 'gcr.io', name: 'jannfis/test-image', tag: '0.1' }],
  ['gcr.io:1234/jannfis/test-image:0.1', { registry: 'gcr.io:1234', name: 'jannfis/test-image', tag: '0.1' }],
  ['registry:5000/classic-web', { registry: 'registry:5000', name: 'classic-web' }],
  ['localhost/app:1', { registry: 'localhost', name: 'app', tag: '1' }],
  ['[::1]:5000/app:1', { registry: '[::1]:5000', name: 'app', tag: '1' }],
  // Fixed (v0.18): a tag next to a digest is kept.
  [`gcr.io/jannfis/test-image:latest-bookworm@${DIGEST}`, { registry: 'gcr.io', name: 'jannfis/test-image', tag: 'latest-bookworm', digest: DIGEST }],
  [`gcr.io/jannfis/test-image@${DIGEST}`, { registry: 'gcr.io', name: 'jannfis/test-image', digest: DIGEST }],
  // Lenient parser: constraints and short digests.
  ['ghcr.io/nginxinc/nginx-unprivileged:~1.27', { registry: 'ghcr.io', name: 'nginxinc/nginx-unprivileged', tag: '~1.27' }],
  ['nginx:>=1.0 <2.0', { registry: '', name: 'nginx', tag: '>=1.0 <2.0' }],
  ['bitnami/nginx:^1', { registry: '', name: 'bitnami/nginx', tag: '^1' }],
  ['gcr.io/jannfis/test-image@sha256:abcde', { registry: 'gcr.io', name: 'jannfis/test-image', digest: 'sha256:abcde' }],
  ['gcr.io/jannfis/test-image:test-tag@sha256:abcde', { registry: 'gcr.io', name: 'jannfis/test-image', tag: 'test-tag', digest: 'sha256:abcde' }],
  ['docker.io/library/nginx:~1.25', { registry: 'docker.io', name: 'nginx', tag: '~1.25' }],
  // Fixed: localhost and host:port registries in the lenient parser.
  ['localhost:5000/x:~1', { registry: 'localhost:5000', name: 'x', tag: '~1' }],
  ['127.0.0.1:5000/team/app:~1.2', { registry: '127.0.0.1:5000', name: 'team/app', tag: '~1.2' }],
  ['localhost/team/app:>=1.0', { registry: 'localhost', name: 'team/app', tag: '>=1.0' }],
  // Uppercase is refused by the Docker grammar, read leniently.
  ['Example.com/Team/App:1.0', { registry: 'Example.com', name: 'Team/App', tag: '1.0' }],
];

test('parseImageReference reads references as the reference does, with its fixed bugs fixed', () => {
  for (const [text, expected] of parsed) assert.deepEqual(parseImageReference(text), expected, text);
});

test('parseImageReference refuses empty or nameless references', () => {
  for (const text of ['', ':1.0', 'gcr.io/', 'a//b:1', '/app', 'my app:1', '@sha256:abc']) {
    assert.throws(() => parseImageReference(text), /image reference/, JSON.stringify(text));
  }
});

test('formatImage writes [registry/]name[:tag][@digest]', () => {
  const cases: [ImageRef, string][] = [
    [{ registry: '', name: 'nginx' }, 'nginx'],
    [{ registry: 'gcr.io', name: 'x/y', tag: '1.0' }, 'gcr.io/x/y:1.0'],
    [{ registry: 'gcr.io', name: 'x/y', tag: '1.0', digest: DIGEST }, `gcr.io/x/y:1.0@${DIGEST}`],
    [{ registry: 'gcr.io', name: 'x/y', digest: DIGEST }, `gcr.io/x/y@${DIGEST}`],
    // The registry is not repeated when the name already carries it (v0.18).
    [{ registry: 'docker.io', name: 'docker.io/jannfis/test-image', tag: '0.1' }, 'docker.io/jannfis/test-image:0.1'],
  ];
  for (const [ref, expected] of cases) assert.equal(formatImage(ref), expected);
  assert.equal(formatImage({ registry: 'gcr.io', name: 'x', tag: '1', digest: DIGEST }, { digest: false }), 'gcr.io/x:1');
  assert.equal(formatImage({ registry: 'gcr.io', name: 'x', tag: '1', digest: DIGEST }, { tag: false }), `gcr.io/x@${DIGEST}`);
});

test('every parsed Docker reference formats back to an equivalent reference', () => {
  for (const text of ['gcr.io/a/b:1', `quay.io/a/b:2@${DIGEST}`, 'registry:5000/x', 'docker.io/x/y:3']) {
    assert.equal(formatImage(parseImageReference(text)), text);
  }
});

test('imageNameWithoutTag and tagWithDigest (latest@digest when only a digest is known)', () => {
  assert.equal(imageNameWithoutTag({ registry: 'gcr.io', name: 'a/b', tag: '1', digest: DIGEST }), 'gcr.io/a/b');
  assert.equal(tagWithDigest({ registry: '', name: 'a', tag: '1.0' }), '1.0');
  assert.equal(tagWithDigest({ registry: '', name: 'a', tag: '1.0', digest: DIGEST }), `1.0@${DIGEST}`);
  assert.equal(tagWithDigest({ registry: '', name: 'a', digest: DIGEST }), `latest@${DIGEST}`);
  assert.equal(tagWithDigest({ registry: '', name: 'a' }), '');
});

test('sameImageName is strict on registry and name and ignores tags', () => {
  const foo1 = parseImageReference('x/foo:1');
  assert.equal(sameImageName(foo1, parseImageReference('x/foo:2')), true);
  assert.equal(sameImageName(foo1, parseImageReference('x/bar:1')), false);
  assert.equal(sameImageName(parseImageReference('x/bar:1'), parseImageReference('docker.io/x/bar:1')), false);
});

test('isDockerHub', () => {
  for (const registry of ['', 'docker.io', 'index.docker.io', 'registry-1.docker.io']) assert.equal(isDockerHub(registry), true, registry);
  for (const registry of ['ghcr.io', 'docker.example.com', 'localhost:5000']) assert.equal(isDockerHub(registry), false, registry);
});
