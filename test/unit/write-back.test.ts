import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readWriteBack } from '../../lib/annotations/write-back';

const reader = (values: Record<string, string>) => (key: string) => values[key];

test('argocd is the default and may be written out', () => {
  const cases: Record<string, string>[] = [{}, { 'write-back-method': 'argocd' }, { 'write-back-method': ' argocd ' }];
  for (const values of cases) {
    assert.deepEqual(readWriteBack(reader(values)), { writeBack: { method: 'argocd' }, problems: [] });
  }
});

test('git reads its credentials, repository, branch and target', () => {
  assert.deepEqual(readWriteBack(reader({ 'write-back-method': 'git' })).writeBack, { method: 'git', credentials: 'repocreds' });
  assert.deepEqual(
    readWriteBack(
      reader({
        'write-back-method': 'git:secret:argocd/git-creds',
        'git-repository': 'https://github.com/org/config.git',
        'git-branch': 'main:image-updater-{{.SHA256}}',
        'write-back-target': 'kustomization:../base',
      }),
    ),
    {
      writeBack: {
        method: 'git',
        credentials: 'secret:argocd/git-creds',
        repository: 'https://github.com/org/config.git',
        branch: 'main:image-updater-{{.SHA256}}',
        target: 'kustomization:../base',
      },
      problems: [],
    },
  );
});

test('an unknown method reads as argocd with a problem', () => {
  const { writeBack, problems } = readWriteBack(reader({ 'write-back-method': 'gitops' }));
  assert.deepEqual(writeBack, { method: 'argocd' });
  assert.equal(problems[0]?.key, 'write-back-method');
  assert.match(problems[0]?.reason ?? '', /invalid update mechanism "gitops"/);
  assert.equal(readWriteBack(reader({ 'write-back-method': '' })).problems.length, 1);
});

test('bad git credentials or branch are problems; the method stays git', () => {
  const creds = readWriteBack(reader({ 'write-back-method': 'git:vault:x' }));
  assert.equal(creds.writeBack.method, 'git');
  assert.match(creds.problems[0]?.reason ?? '', /invalid git credentials "vault:x"/);
  assert.equal(readWriteBack(reader({ 'write-back-method': 'git:' })).problems.length, 1);
  const branch = readWriteBack(reader({ 'write-back-method': 'git', 'git-branch': 'a:b:c' }));
  assert.deepEqual(branch.problems.map((p) => p.key), ['git-branch']);
  assert.equal(branch.writeBack.method, 'git');
});

test('git-pull-request opts in to a GitHub pull request or GitLab merge request, with labels', () => {
  const github = readWriteBack(reader({ 'write-back-method': 'git', 'git-pull-request': 'GitHub', 'git-pull-request-labels': ' deps, image-updater ,' }));
  assert.deepEqual(github.writeBack.method === 'git' && github.writeBack.pullRequest, { provider: 'github', labels: ['deps', 'image-updater'] });
  const gitlab = readWriteBack(reader({ 'write-back-method': 'git', 'git-pull-request': 'gitlab' }));
  assert.deepEqual(gitlab.writeBack.method === 'git' && gitlab.writeBack.pullRequest, { provider: 'gitlab', labels: [] });
  const bad = readWriteBack(reader({ 'write-back-method': 'git', 'git-pull-request': 'bitbucket' }));
  assert.deepEqual(bad.problems.map((p) => p.key), ['git-pull-request']);
  assert.equal(bad.writeBack.method === 'git' && bad.writeBack.pullRequest, undefined);
});
