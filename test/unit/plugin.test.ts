import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergePluginEnv, pluginEnvFor } from '../../lib/patch/plugin';

const image = { registry: 'ghcr.io', name: 'acme/web', tag: '1.2.3' };

test('plugin targets: spec carries the whole image; name and tag carry each part, tag only when given', () => {
  assert.deepEqual(pluginEnvFor({ spec: 'IMAGE' }, image), [{ name: 'IMAGE', value: 'ghcr.io/acme/web:1.2.3' }]);
  assert.deepEqual(pluginEnvFor({ name: 'IMAGE_NAME', tag: 'IMAGE_TAG' }, { ...image, digest: `sha256:${'b'.repeat(64)}` }), [
    { name: 'IMAGE_NAME', value: 'ghcr.io/acme/web' },
    { name: 'IMAGE_TAG', value: `1.2.3@sha256:${'b'.repeat(64)}` },
  ]);
  assert.deepEqual(pluginEnvFor({ name: 'IMAGE_NAME' }, image), [{ name: 'IMAGE_NAME', value: 'ghcr.io/acme/web' }]);
  assert.deepEqual(pluginEnvFor({ name: 'N', tag: 'T' }, { registry: 'ghcr.io', name: 'acme/web' }), [{ name: 'N', value: 'ghcr.io/acme/web' }]);
});

test('plugin env: an entry of the same name is replaced where it stands, others are kept, new ones appended', () => {
  assert.deepEqual(
    mergePluginEnv([{ name: 'A', value: '1' }, { name: 'IMAGE_TAG', value: 'old' }], [{ name: 'IMAGE_TAG', value: 'new' }, { name: 'IMAGE_NAME', value: 'x' }]),
    [{ name: 'A', value: '1' }, { name: 'IMAGE_TAG', value: 'new' }, { name: 'IMAGE_NAME', value: 'x' }],
  );
});
