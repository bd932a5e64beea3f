// `image-updater migrate` without a server: annotations in, ImageUpdater YAML out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { migrationYaml } from '../../lib/imageupdater/migrate';
import { helmApp, kustomizeApp } from '../support/applications';

test('one ImageUpdater per namespace, one exact-name ref per annotated app, only non-default settings', () => {
  const yaml = migrationYaml([
    kustomizeApp({
      name: 'web',
      namespace: 'shop',
      settings: {
        'image-list': 'app=ghcr.io/acme/web, ghcr.io/acme/sidecar:~2',
        'app.update-strategy': 'newest-build',
        'app.allow-tags': 'regexp:^v1',
        'app.kustomize.image-name': 'acme/web',
        'ignore-tags': 'dev*',
        'pull-secret': 'pullsecret:shop/regcred',
      },
      liveImages: [],
    }),
    helmApp({
      name: 'chart',
      namespace: 'shop',
      settings: {
        'image-list': 'api=ghcr.io/acme/api:>=2.0 <3',
        'api.helm.image-name': 'api.repo',
        'api.helm.image-tag': 'api.tag',
        'write-back-method': 'git:secret:shop/git-creds',
        'git-branch': 'main',
        interval: '5m',
      },
      liveImages: [],
    }),
    kustomizeApp({ name: 'plain', namespace: 'other', settings: {}, liveImages: [] }),
  ]);
  const documents = parseAllDocuments(yaml);
  assert.equal(documents.length, 1, 'no resource for a namespace without annotated apps');
  const [document] = documents;
  assert.match(document?.commentBefore ?? '', /application shop\/chart: interval has no ImageUpdater equivalent/);
  assert.deepEqual(document?.toJS(), {
    apiVersion: 'argocd-image-updater.argoproj.io/v1alpha1',
    kind: 'ImageUpdater',
    metadata: { name: 'migrated-from-annotations', namespace: 'shop' },
    spec: {
      applicationRefs: [
        {
          namePattern: 'chart',
          images: [{ alias: 'api', imageName: 'ghcr.io/acme/api:>=2.0 <3', manifestTargets: { helm: { name: 'api.repo', tag: 'api.tag' } } }],
          writeBackConfig: { method: 'git:secret:git-creds', gitConfig: { branch: 'main' } },
        },
        {
          namePattern: 'web',
          images: [
            {
              alias: 'app',
              imageName: 'ghcr.io/acme/web',
              commonUpdateSettings: { updateStrategy: 'newest-build', allowTags: 'regexp:^v1', ignoreTags: ['dev*'], pullSecret: 'pullsecret:shop/regcred' },
              manifestTargets: { kustomize: { name: 'acme/web' } },
            },
            { alias: 'sidecar', imageName: 'ghcr.io/acme/sidecar:~2', commonUpdateSettings: { ignoreTags: ['dev*'], pullSecret: 'pullsecret:shop/regcred' } },
          ],
        },
      ],
    },
  });
});

test('what v1.x would refuse is left out and said: a pull secret elsewhere, an alias with a slash, a bad annotation', () => {
  const yaml = migrationYaml([
    kustomizeApp({
      name: 'web',
      namespace: 'shop',
      settings: {
        'image-list': 'team/app=ghcr.io/acme/web, db=ghcr.io/acme/db, bad=ghcr.io/acme/bad',
        'db.pull-secret': 'pullsecret:argocd/regcred',
        'bad.allow-tags': 'regexp:(',
      },
      liveImages: [],
    }),
  ]);
  const [document] = parseAllDocuments(yaml);
  const comment = document?.commentBefore ?? '';
  assert.match(comment, /alias "team\/app" is not a valid ImageUpdater alias; written as "team-app"/);
  assert.match(comment, /image db: secret namespace "argocd" is not the application's namespace "shop".*v1.x refuses it, so the image is left out/);
  assert.match(comment, /bad.allow-tags="regexp:\(".*: left out/);
  const refs = (document?.toJS() as { spec: { applicationRefs: { images: { alias: string }[] }[] } }).spec.applicationRefs;
  assert.deepEqual(refs[0]?.images.map((image) => image.alias), ['team-app']);
});
