// Where git write-back goes (repository, branches, file), the templates, URLs and credentials,
// decided without a server.
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { test } from 'node:test';
import type { Application } from '../../lib/model';
import type { ListedSecret } from '../../lib/kube/secrets';
import { GitCredentialStore } from '../../lib/writeback/git/credentials';
import { githubApiBase, githubAppJwt } from '../../lib/writeback/git/github-app';
import { parseGoTemplate } from '../../lib/writeback/git/go-template';
import { coversRepository, normalizeGitUrl, parseRepositoryUrl, sameRepositoryUrl } from '../../lib/writeback/git/repository-url';
import { planGitWrite, type GitWriteBackSettings } from '../../lib/writeback/git/settings';
import { commitMessage, DEFAULT_COMMIT_MESSAGE_TEMPLATE, isValidBranchName, writeBranchName } from '../../lib/writeback/git/templates';
import { application } from './fixtures';

const git = (settings: Omit<GitWriteBackSettings, 'method'> = {}): GitWriteBackSettings => ({ method: 'git', credentials: 'repocreds', ...settings });
const kustomizeSource = { repoURL: 'https://git.example.com/deploy.git', path: 'apps/web', targetRevision: 'main', kustomize: {} };

test('targets: the override file in the source path, kustomization and helmvalues relative or from the root, a verbatim path', () => {
  const app = application({ spec: { source: kustomizeSource } });
  const target = (value?: string) => planGitWrite(app, git(value === undefined ? {} : { target: value }), 'Kustomize', 'argocd').target;
  assert.deepEqual(target(), { kind: 'override', path: 'apps/web/.argocd-source-demo.yaml' });
  assert.deepEqual(target('kustomization'), { kind: 'kustomization', directory: 'apps/web' });
  assert.deepEqual(target('kustomization:../base'), { kind: 'kustomization', directory: 'apps/base' });
  assert.deepEqual(target('kustomization:/overlays/prod'), { kind: 'kustomization', directory: 'overlays/prod' });
  assert.deepEqual(target('helmvalues'), { kind: 'helmvalues', path: 'apps/web/values.yaml' });
  assert.deepEqual(target('helmvalues:/charts/values-prod.yaml'), { kind: 'helmvalues', path: 'charts/values-prod.yaml' });
  assert.deepEqual(target('config/overrides.yaml'), { kind: 'override', path: 'config/overrides.yaml' });
  assert.throws(() => target('kustomization:../../../etc'), /outside the repository/);
  assert.throws(() => target('.git/config'), /inside \.git/);
});

test('branches: the source targetRevision, HEAD for the default branch, a write-branch template', () => {
  const app = application({ spec: { source: kustomizeSource } });
  assert.equal(planGitWrite(app, git(), 'Kustomize', 'argocd').baseBranch, 'main');
  assert.equal(planGitWrite(app, git({ branch: 'release' }), 'Kustomize', 'argocd').baseBranch, 'release');
  assert.equal(planGitWrite(app, git({ branch: 'HEAD' }), 'Kustomize', 'argocd').baseBranch, undefined);
  const headApp = application({ spec: { source: { ...kustomizeSource, targetRevision: 'HEAD' } } });
  assert.equal(planGitWrite(headApp, git(), 'Kustomize', 'argocd').baseBranch, undefined);
  assert.equal(planGitWrite(app, git({ branch: ':updates/{{.SHA256}}' }), 'Kustomize', 'argocd').writeBranchTemplate?.source, 'updates/{{.SHA256}}');
  assert.throws(() => planGitWrite(app, git({ branch: 'main:{{ .Images' }), 'Kustomize', 'argocd'), /git-branch/);
});

test('repositories: git-repository for charts, ssh refused with what to use instead, multi-source needs a target', () => {
  const chart = application({ spec: { source: { repoURL: 'https://charts.example.com', chart: 'web', targetRevision: '1.2.0' } } });
  assert.throws(() => planGitWrite(chart, git({ target: 'helmvalues:/values.yaml' }), 'Helm', 'argocd'), /Helm chart web .* set git-repository/);
  const plan = planGitWrite(chart, git({ repository: 'https://git.example.com/values.git', target: 'helmvalues:/web/values.yaml' }), 'Helm', 'argocd');
  assert.equal(plan.baseBranch, undefined, 'the chart version is not a branch of the values repository');
  assert.equal(plan.repository.href, 'https://git.example.com/values.git');
  const ssh = application({ spec: { source: { ...kustomizeSource, repoURL: 'git@github.com:team/deploy.git' } } });
  assert.throws(() => planGitWrite(ssh, git(), 'Kustomize', 'argocd'), /ssh URLs are not supported.*use the https URL/);
  const multi = application({
    spec: { sources: [{ repoURL: 'https://charts.example.com', chart: 'web', targetRevision: '1' }, { ...kustomizeSource, targetRevision: 'prod' }] },
  });
  assert.throws(() => planGitWrite(multi, git(), 'Kustomize', 'argocd'), /multi-source/);
  const chosen = planGitWrite(multi, git({ repository: 'https://GIT.example.com/deploy', target: 'kustomization' }), 'Kustomize', 'argocd');
  assert.equal(chosen.baseBranch, 'prod', 'the branch of the source in git-repository');
  assert.deepEqual(chosen.target, { kind: 'kustomization', directory: 'apps/web' });
});

test('URLs compare as Argo CD compares them; a repo-creds prefix ends at a path boundary', () => {
  assert.equal(normalizeGitUrl('https://Bot@GitHub.com/Team/Deploy.git/'), 'https://github.com/team/deploy');
  assert.equal(normalizeGitUrl('git@github.com:team/deploy.git'), 'github.com/team/deploy');
  assert.ok(sameRepositoryUrl('https://github.com/team/deploy', 'https://github.com/Team/deploy.git'));
  assert.ok(!sameRepositoryUrl('http://github.com/team/deploy', 'https://github.com/team/deploy'));
  assert.ok(coversRepository('https://github.com/team', 'https://github.com/team/deploy.git'));
  assert.ok(!coversRepository('https://github.com/team', 'https://github.com/team2/deploy'));
  assert.ok(!coversRepository('https://git.example.com', 'https://git.example.com.evil.org/x'));
  assert.throws(() => parseRepositoryUrl('https://bot:pw@github.com/x'), /not in the URL/);
  assert.throws(() => parseRepositoryUrl('file:///etc'), /unsupported scheme file/);
});

test('write-branch template: the reference data, SHA256 over the changes, 255 characters, valid names only', () => {
  const images = [{ name: 'team/web', alias: 'web', oldTag: '1.0', newTag: '1.1' }];
  const app = { name: 'web', namespace: 'prod' };
  const branch = writeBranchName(parseGoTemplate('image-updater-{{range .Images}}{{.Name}}-{{.OldTag}}-{{.NewTag}}{{end}}'), images, app);
  assert.equal(branch, 'image-updater-team/web-1.0-1.1');
  const sha256 = createHash('sha256').update('team/web-1.0-1.1,').digest('hex');
  assert.equal(writeBranchName(parseGoTemplate('u/{{.SHA256}}'), images, app), `u/${sha256}`);
  assert.equal(writeBranchName(parseGoTemplate(`${'x'.repeat(300)}`), images, app).length, 255);
  assert.equal(writeBranchName(parseGoTemplate('{{.AppNamespace}}/{{.AppName}}'), images, app), 'prod/web');
  assert.throws(() => writeBranchName(parseGoTemplate('{{.Nope}}'), images, app), /could not be created from the template/);
  assert.throws(() => writeBranchName(parseGoTemplate('bad name {{.AppName}}'), images, app), /not a valid branch name/);
  assert.ok(!isValidBranchName('a..b') && !isValidBranchName('x.lock') && isValidBranchName('image-updater/web-1.1'));
});

test('commit message: the reference default, its fallback, trim markers', () => {
  const images = [
    { name: 'team/web', alias: 'web', oldTag: '1.0', newTag: '1.1' },
    { name: 'team/api', alias: 'api', oldTag: '2.0', newTag: '2.1' },
  ];
  assert.equal(
    commitMessage(parseGoTemplate(DEFAULT_COMMIT_MESSAGE_TEMPLATE), 'web', images),
    "build: automatic update of web\n\nupdates image team/web tag '1.0' to '1.1'\nupdates image team/api tag '2.0' to '2.1'\n",
  );
  assert.equal(commitMessage(parseGoTemplate('{{ .Missing }}'), 'web', images), 'build: update of application web');
});

function secrets(list: ListedSecret[], byName: Record<string, Record<string, string>> = {}) {
  const calls = { list: 0, read: [] as string[] };
  return {
    calls,
    access: {
      async listSecrets() {
        calls.list++;
        return list;
      },
      async readSecret(namespace: string, name: string) {
        calls.read.push(`${namespace}/${name}`);
        const data = byName[`${namespace}/${name}`];
        if (!data) throw new Error('secrets "x" not found');
        return data;
      },
    },
  };
}

const repository = (name: string, data: Record<string, string>): ListedSecret => ({ name, labels: { 'argocd.argoproj.io/secret-type': 'repository' }, data });
const template = (name: string, data: Record<string, string>): ListedSecret => ({ name, labels: { 'argocd.argoproj.io/secret-type': 'repo-creds' }, data });

test('repocreds: a repository secret by URL, then repo-creds by the longest prefix; listed once per run', async () => {
  const { access, calls } = secrets([
    repository('no-creds', { url: 'https://git.example.com/team/deploy.git' }),
    repository('other-project', { url: 'https://git.example.com/team/deploy', password: 'p1', username: 'u1', project: 'other' }),
    template('org', { url: 'https://git.example.com', username: 'org', password: 'org-pass' }),
    template('team', { url: 'https://git.example.com/team', username: 'team', password: 'team-pass' }),
    repository('exact', { url: 'https://git.example.com/team/api', username: 'api', password: 'api-pass' }),
  ]);
  const store = new GitCredentialStore(access, 'argocd');
  const app = { namespace: 'apps', project: 'default' };
  const deploy = await store.forApplication(app, 'repocreds', 'https://git.example.com/team/deploy.git');
  assert.equal(deploy.kind === 'password' && deploy.username, 'team');
  const api = await store.forApplication(app, 'repocreds', 'https://GIT.example.com/team/api.git');
  assert.equal(api.kind === 'password' && api.username, 'api');
  await assert.rejects(store.forApplication(app, 'repocreds', 'https://elsewhere.example.com/x'), /credentials for 'https:\/\/elsewhere.example.com\/x' are not configured/);
  assert.equal(calls.list, 1);
});

test('git:secret: only from the application\'s or Argo CD\'s namespace; GitHub App keys; missing fields named', async () => {
  const { access, calls } = secrets([], {
    'apps/git': { username: 'bot', password: 'pw' },
    'argocd/app': { url: 'https://x/y', githubAppID: '12', githubAppInstallationID: '34', githubAppPrivateKey: 'KEY' },
    'argocd/anywhere': { username: 'bot', password: 'pw' },
    'apps/half': { username: 'bot' },
  });
  const store = new GitCredentialStore(access, 'argocd');
  const app = { namespace: 'apps' };
  assert.equal((await store.forApplication(app, 'secret:apps/git', 'https://x/y')).kind, 'password');
  const github = await store.forApplication(app, 'secret:argocd/app', 'https://x/y');
  assert.deepEqual(github.kind === 'github-app' && [github.appId, github.installationId], ['12', '34']);
  await assert.rejects(store.forApplication(app, 'secret:kube-system/admin', 'https://x/y'), /only secrets in the application's namespace \(apps\) or Argo CD's \(argocd\)/);
  assert.ok(!calls.read.includes('kube-system/admin'), 'never read');
  await assert.rejects(store.forApplication(app, 'secret:apps/half', 'https://x/y'), /does not contain field password/);
});

test('git:secret: a credential goes only to the repository its url names', async () => {
  const { access } = secrets([], {
    'argocd/github': { url: 'https://github.com/org', username: 'bot', password: 'pw' },
    'argocd/anywhere': { username: 'bot', password: 'pw' },
  });
  const store = new GitCredentialStore(access, 'argocd');
  const team = { namespace: 'team-a' };
  assert.equal((await store.forApplication(team, 'secret:argocd/github', 'https://github.com/org/deploy.git')).kind, 'password');
  await assert.rejects(store.forApplication(team, 'secret:argocd/github', 'https://attacker.example.com/org/deploy.git'), /is for https:\/\/github.com\/org, not for https:\/\/attacker/);
  await assert.rejects(store.forApplication(team, 'secret:argocd/anywhere', 'https://attacker.example.com/x.git'), /has no url field: an application of another namespace \(team-a\)/);
  assert.equal((await store.forApplication({ namespace: 'argocd' }, 'secret:argocd/anywhere', 'https://git.example.com/x.git')).kind, 'password', 'Argo CD\'s own applications, as in the reference');
});

test('outside Argo CD\'s namespace the override file is named <ns>_<app>', () => {
  const app: Application = { ...application({ spec: { source: kustomizeSource } }), metadata: { name: 'web', namespace: 'team-a' } };
  assert.deepEqual(planGitWrite(app, git(), 'Kustomize', 'argocd').target, { kind: 'override', path: 'apps/web/.argocd-source-team-a_web.yaml' });
});

test('a pull request without a write-branch template gets a branch per application and change', () => {
  const app = application({ spec: { source: kustomizeSource } });
  const plan = planGitWrite(app, git({ pullRequest: { provider: 'github', labels: [] } }), 'Kustomize', 'argocd');
  assert.equal(plan.writeBranchTemplate?.source, 'image-updater-{{.AppNamespace}}-{{.AppName}}-{{.SHA256}}');
  assert.deepEqual(plan.pullRequest, { provider: 'github', labels: [] });
});

test('GitHub App JWT: RS256 over the header and claims, issued by the app, at most 10 minutes', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const now = new Date('2026-12-01T12:00:00Z');
  const jwt = githubAppJwt('123', privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), now);
  const [header = '', payload = '', signature = ''] = jwt.split('.');
  assert.ok(verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, 'base64url')));
  assert.deepEqual(JSON.parse(Buffer.from(header, 'base64url').toString()), { alg: 'RS256', typ: 'JWT' });
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { iss: string; iat: number; exp: number };
  assert.equal(claims.iss, '123');
  assert.equal(claims.iat, now.getTime() / 1000 - 60);
  assert.equal(claims.exp - claims.iat, 600);
  assert.throws(() => githubAppJwt('123', 'not a key'), /githubAppPrivateKey is not a usable RSA private key/);
  assert.equal(githubApiBase(new URL('https://github.com/a/b')), 'https://api.github.com');
  assert.equal(githubApiBase(new URL('https://git.corp.example/a/b')), 'https://git.corp.example/api/v3');
});
