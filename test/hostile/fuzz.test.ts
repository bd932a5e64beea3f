// Property-based fuzzing of what untrusted or hand-written input reaches: annotations, credential
// references, allow-tags regexps and registries.conf. A fixed seed keeps runs reproducible; a
// failure prints it with the counterexample (rerun another with FC_SEED=<n>).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { compileAllowTags } from '../../lib/annotations/allow-tags';
import { MAX_IMAGE_LIST_ENTRIES } from '../../lib/annotations/limits';
import { helmParameterNameProblem, kustomizeImageNameProblem } from '../../lib/annotations/names';
import { pullSecretProblem } from '../../lib/annotations/pull-secret';
import { ANNOTATION_PREFIX, readApplicationSettings } from '../../lib/annotations/settings';
import { parseCredentialReference } from '../../lib/registry/credentials';
import { parseRegistriesConf } from '../../lib/registry/config';

const SEED = Number(process.env.FC_SEED ?? 20261201);
const runs = (numRuns: number): fc.Parameters<unknown> => ({ seed: SEED, numRuns });

const hostileText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    'ext:/usr/bin/env',
    'EXT:/bin/sh',
    'env:AWS_SECRET_ACCESS_KEY',
    'ghcr.io=env:X',
    'pullsecret:kube-system/x',
    'secret:other/x#y',
    'pullsecret:team/regcred',
    'regexp:^(a+)+$',
    'regexp:(?=x)',
    'image.tag,evil=1',
    'x=y',
    'a\nb',
    '"quoted"',
    '',
    ' ',
    ',,,',
    '169.254.169.254/x',
    'semver',
    'digest',
    'newest-build',
    '>=1.0 <2',
    '1m',
    'linux/amd64',
  ),
);
const alias = fc.constantFrom('a', 'b', 'app', 'x_y');
const setting = fc.constantFrom(
  'update-strategy',
  'allow-tags',
  'ignore-tags',
  'platforms',
  'pull-secret',
  'semver',
  'force-update',
  'helm.image-name',
  'helm.image-tag',
  'helm.image-spec',
  'kustomize.image-name',
  'tag-match',
);
const imageListEntry = fc.oneof(
  fc.tuple(alias, fc.constantFrom('ghcr.io/x/y', 'nginx', 'localhost:5000/a', 'quay.io/a/b:1.2', 'x@sha256:abc'), fc.constantFrom('', ':>=1.0', ':latest', ':~1.2')).map(
    ([name, image, constraint]) => `${name}=${image}${constraint}`,
  ),
  hostileText,
);
const annotations = fc
  .record({
    imageList: fc.array(imageListEntry, { maxLength: 60 }),
    perImage: fc.array(fc.tuple(alias, setting, hostileText), { maxLength: 12 }),
    appWide: fc.array(fc.tuple(fc.constantFrom('pull-secret', 'allow-tags', 'write-back-method', 'interval', 'update-strategy', 'git-branch'), hostileText), { maxLength: 6 }),
  })
  .map(({ imageList, perImage, appWide }) => {
    const result: Record<string, string> = { [`${ANNOTATION_PREFIX}image-list`]: imageList.join(',') };
    for (const [name, key, value] of perImage) result[`${ANNOTATION_PREFIX}${name}.${key}`] = value;
    for (const [key, value] of appWide) result[`${ANNOTATION_PREFIX}${key}`] = value;
    return result;
  });

test('annotations: never a crash; errors name app and annotation; nothing an owner may not ask for comes through', () => {
  fc.assert(
    fc.property(annotations, (input) => {
      const settings = readApplicationSettings('team/app', input, {});
      assert.ok(settings.images.length <= MAX_IMAGE_LIST_ENTRIES);
      for (const error of settings.errors) {
        assert.ok(error.message.startsWith(`application team/app: annotation ${ANNOTATION_PREFIX}`), error.message);
      }
      for (const image of settings.images) {
        if (image.pullSecret) assert.equal(pullSecretProblem(image.pullSecret, { appNamespace: 'team', secretNamespaces: [] }), undefined);
        for (const name of [image.helm.imageName, image.helm.imageTag, image.helm.imageSpec ?? 'image.spec']) {
          assert.equal(helmParameterNameProblem(name.trim()), undefined, name);
        }
        if (image.kustomizeImageName) assert.equal(kustomizeImageNameProblem(image.kustomizeImageName), undefined);
      }
    }),
    runs(1500),
  );
});

test('credential references: env: and ext: are refused for annotations in every spelling', () => {
  const kind = fc.constantFrom('env', 'ENV', 'Env', 'ext', 'EXT', 'eXt');
  const prefix = fc.constantFrom('', 'ghcr.io=', ' ', 'registry:5000=');
  fc.assert(
    fc.property(prefix, kind, fc.string({ maxLength: 30 }), (before, type, value) => {
      const reference = `${before}${type}:${value}`;
      let parsed;
      try {
        parsed = parseCredentialReference(reference);
      } catch {
        return; // not a reference at all: refused as such
      }
      if (parsed.kind === 'env' || parsed.kind === 'ext') {
        assert.match(pullSecretProblem(reference, { appNamespace: 'team', secretNamespaces: ['*'] }) ?? '', /accepted only in registries\.conf/);
      }
    }),
    runs(1000),
  );
});

test('allow-tags: any pattern compiles or is refused, and matching 128-character tags stays fast', () => {
  const pattern = fc.oneof(fc.string({ maxLength: 30 }), fc.stringMatching(/^[()a+*?|^$\\.[\]{},0-9]{1,30}$/));
  const tag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/);
  fc.assert(
    fc.property(pattern, fc.array(tag, { maxLength: 5 }), (source, tags) => {
      const compiled = compileAllowTags(`regexp:${source}`);
      if ('error' in compiled) return;
      const started = process.hrtime.bigint();
      for (const candidate of [...tags, 'a'.repeat(127) + '!']) compiled.matcher(candidate);
      assert.ok(process.hrtime.bigint() - started < 1_000_000_000n, `slow match for ${source}`);
    }),
    runs(1000),
  );
});

test('registries.conf: any document parses or fails with an Error naming the file', () => {
  const value = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean(), fc.constant(null), fc.constantFrom('yes', 'off', 'https://r.io', 'env:X'));
  const entry = fc.dictionary(
    fc.constantFrom('name', 'api_url', 'prefix', 'credentials', 'credsexpire', 'insecure', 'default', 'limit', 'tagsortmode', 'ca_data', 'token_hosts', 'defaultns', 'unknown'),
    value,
  );
  const document = fc.oneof(
    fc.array(entry, { maxLength: 4 }).map((registries) => stringify({ registries })),
    fc.string({ maxLength: 80 }),
  );
  fc.assert(
    fc.property(document, (text) => {
      try {
        const endpoints = parseRegistriesConf(text, 'fuzz.conf');
        for (const endpoint of endpoints) assert.ok(/^https?:\/\//.test(endpoint.apiUrl) && endpoint.operatorTrusted);
      } catch (error) {
        assert.ok(error instanceof Error && error.message.startsWith('fuzz.conf'), String(error));
      }
    }),
    runs(1000),
  );
});
