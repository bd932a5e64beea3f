import assert from 'node:assert/strict';
import { test } from 'node:test';
import { imageListEntries, parseImageList, parseImageListEntry, type ImageListEntry } from '../../lib/annotations/image-list';

const entries: [text: string, expected: ImageListEntry][] = [
  ['nginx', { image: { registry: '', name: 'nginx' } }],
  ['nginx:1.x', { image: { registry: '', name: 'nginx', tag: '1.x' }, constraint: '1.x' }],
  ['app=ghcr.io/nginxinc/nginx-unprivileged', { alias: 'app', image: { registry: 'ghcr.io', name: 'nginxinc/nginx-unprivileged' } }],
  ['jannfis/orig-image=gcr.io/jannfis/test-image:0.1', { alias: 'jannfis/orig-image', image: { registry: 'gcr.io', name: 'jannfis/test-image', tag: '0.1' }, constraint: '0.1' }],
  [
    'ghcr.io:4567/jannfis/orig-image=gcr.io:1234/jannfis/test-image:0.1',
    { alias: 'ghcr.io:4567/jannfis/orig-image', image: { registry: 'gcr.io:1234', name: 'jannfis/test-image', tag: '0.1' }, constraint: '0.1' },
  ],
  ['classic-web=registry:5000/classic-web', { alias: 'classic-web', image: { registry: 'registry:5000', name: 'classic-web' } }],
  ['web=nginx:>=1.0 <2.0', { alias: 'web', image: { registry: '', name: 'nginx', tag: '>=1.0 <2.0' }, constraint: '>=1.0 <2.0' }],
  ['web=nginx:latest', { alias: 'web', image: { registry: '', name: 'nginx', tag: 'latest' }, constraint: 'latest' }],
  // The first '=' belongs to the constraint here; the reference would read alias "nginx:>" and image "1.0".
  ['nginx:>=1.0', { image: { registry: '', name: 'nginx', tag: '>=1.0' }, constraint: '>=1.0' }],
  ['nginx:=1.2', { image: { registry: '', name: 'nginx', tag: '=1.2' }, constraint: '=1.2' }],
  ['localhost:5000/app:!=1.3.0', { image: { registry: 'localhost:5000', name: 'app', tag: '!=1.3.0' }, constraint: '!=1.3.0' }],
  ['nginx:<=1.4 || >=2.0', { image: { registry: '', name: 'nginx', tag: '<=1.4 || >=2.0' }, constraint: '<=1.4 || >=2.0' }],
  ['=nginx', { image: { registry: '', name: 'nginx' } }],
];

test('parseImageListEntry: alias before the first =, constraint in the tag position', () => {
  for (const [text, expected] of entries) assert.deepEqual(parseImageListEntry(text), expected, text);
});

test('the digest next to a tag is not part of the constraint', () => {
  const digest = `sha256:${'c'.repeat(64)}`;
  assert.deepEqual(parseImageListEntry(`x=gcr.io/a/b:latest@${digest}`).constraint, 'latest');
  assert.equal(parseImageListEntry(`x=gcr.io/a/b@${digest}`).constraint, undefined);
});

test('imageListEntries splits on commas, trims, keeps inner spaces and drops empty entries', () => {
  assert.deepEqual(imageListEntries(' a=nginx:1.x ,b = foo/bar:>=1.0 <2.0,, '), ['a=nginx:1.x', 'b = foo/bar:>=1.0 <2.0']);
  assert.deepEqual(imageListEntries(''), []);
});

test('parseImageList parses every entry and refuses an entry without an image', () => {
  assert.deepEqual(
    parseImageList('nginx, app=ghcr.io/x/y:~1.2').map((entry) => entry.alias ?? entry.image.name),
    ['nginx', 'app'],
  );
  assert.throws(() => parseImageList('nginx, app='), /empty image reference/);
});
