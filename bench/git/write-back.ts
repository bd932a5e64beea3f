// The git section of `npm run bench`: 100 applications in one repository written in one run by the
// product's GitWriteBack (one shallow fetch, one commit per application, one push), then a second
// run with nothing left to change, side by side with the reference's model measured on the same
// server: per application a fresh `git init`, shallow fetch, checkout, commit and push with the git
// CLI, one after the other (Argo CD Image Updater's per-repository lock, reference #1572).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseOptions } from '../../lib/config';
import type { Application, ImageSpecification, Log } from '../../lib/model';
import { GitWriteBack } from '../../lib/writeback/git/batch';
import { newGitTally } from '../../lib/writeback/git/http';
import { startGitServer, type GitServer } from '../../test/support/git-server';

const run = promisify(execFile);
export const GIT_BENCH_APPS = 100;
const PASSWORD = 'bench-password-123';
const TARGET_MS = 10_000;

export interface GitRunMeasurement {
  wallMs: number;
  fetches: number;
  pushes: number;
  /** Commits the run added to the branch. */
  commits: number;
  errors: number;
}

export interface GitBenchResult {
  applications: number;
  ours: GitRunMeasurement;
  oursUnchanged: GitRunMeasurement;
  reference: GitRunMeasurement;
}

const silent: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function kustomization(index: number, tag: string): string {
  return `# app-${index}\nresources:\n  - deployment.yaml\n\nimages:\n  - name: registry.example.com/team/app-${index}  # pinned by the updater\n    newTag: ${tag}\n`;
}

function files(): Record<string, string> {
  const tree: Record<string, string> = {};
  for (let index = 0; index < GIT_BENCH_APPS; index++) {
    tree[`apps/app-${index}/kustomization.yaml`] = kustomization(index, '1.0.0');
    tree[`apps/app-${index}/deployment.yaml`] = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-${index}\n`;
  }
  return tree;
}

function application(index: number, repository: string): Application {
  return {
    metadata: { name: `app-${index}`, namespace: 'argocd' },
    spec: { source: { repoURL: repository, path: `apps/app-${index}`, targetRevision: 'main', kustomize: {} } },
    status: { sourceType: 'Kustomize' },
  };
}

function imageSpec(index: number): ImageSpecification {
  return {
    alias: 'app',
    hasAlias: true,
    image: { registry: 'registry.example.com', name: `team/app-${index}` },
    strategy: 'semver',
    allowsTag: () => true,
    ignoreTags: [],
    forceUpdate: false,
    helm: { imageName: 'image.name', imageTag: 'image.tag' },
  };
}

/** Wall time, git requests and commits of `work` on one repository's main branch; `work` returns its errors. */
async function measured(server: GitServer, name: string, work: () => Promise<number>): Promise<GitRunMeasurement> {
  const before = { ...server.counts, commits: (await server.log(name, 'main')).length };
  const started = performance.now();
  const errors = await work();
  const wallMs = performance.now() - started;
  return {
    wallMs,
    fetches: server.counts.fetches - before.fetches,
    pushes: server.counts.pushes - before.pushes,
    commits: (await server.log(name, 'main')).length - before.commits,
    errors,
  };
}

function measureOurs(server: GitServer, name: string): Promise<GitRunMeasurement> {
  return measured(server, name, () => writeWithBatch(server.url(name)));
}

async function writeWithBatch(repository: string): Promise<number> {
  const secrets = { readSecret: async () => ({ username: 'bot', password: PASSWORD }), listSecrets: async () => [] };
  const batch = new GitWriteBack(parseOptions({}).git, secrets, silent, newGitTally());
  let errors = 0;
  for (let index = 0; index < GIT_BENCH_APPS; index++) {
    const spec = imageSpec(index);
    batch.add(
      {
        app: application(index, repository),
        writeBack: { method: 'git', credentials: 'secret:argocd/git', target: 'kustomization' },
        type: 'Kustomize',
        changes: [{ spec, newImage: { ...spec.image, tag: '1.1.0' } }],
        moved: [{ name: spec.image.name, alias: 'app', oldTag: '1.0.0', newTag: '1.1.0' }],
      },
      async (outcome) => {
        if (outcome.status === 'error') errors++;
      },
    );
  }
  await batch.flush();
  return errors;
}

/** Argo CD Image Updater v0.x per application: init, shallow fetch, checkout, edit, commit, push. */
function measureReference(server: GitServer, name: string): Promise<GitRunMeasurement> {
  return measured(server, name, () => writeLikeTheReference(server.url(name)));
}

async function writeLikeTheReference(repository: string): Promise<number> {
  const url = new URL(repository);
  url.username = 'bot';
  url.password = PASSWORD;
  const env = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', HOME: tmpdir() };
  const git = (cwd: string, ...args: string[]) => run('git', args, { cwd, env });
  let errors = 0;
  for (let index = 0; index < GIT_BENCH_APPS; index++) {
    const dir = await mkdtemp(join(tmpdir(), `git-app-${index}-`));
    try {
      await git(dir, 'init', '--quiet');
      await git(dir, 'remote', 'add', 'origin', url.href);
      await git(dir, 'fetch', '--quiet', 'origin', 'main', '--force', '--prune', '--depth', '1');
      await git(dir, 'checkout', '--quiet', '--force', 'main');
      const path = join(dir, `apps/app-${index}/kustomization.yaml`);
      await writeFile(path, (await readFile(path, 'utf8')).replace('newTag: 1.0.0', 'newTag: 1.1.0'));
      await git(dir, '-c', 'user.name=argocd-image-updater', '-c', 'user.email=noreply@argoproj.io', 'commit', '--quiet', '-a', '-m', `build: automatic update of app-${index}`);
      await git(dir, 'push', '--quiet', 'origin', 'main');
    } catch {
      errors++;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return errors;
}

export async function measureGitWriteBack(progress: (message: string) => void): Promise<GitBenchResult> {
  const server = await startGitServer({ users: { bot: PASSWORD } });
  try {
    const tree = files();
    await server.createRepository('deploy', tree);
    await server.createRepository('reference', tree);
    progress(`git: ${GIT_BENCH_APPS} apps in one repository, ours`);
    const ours = await measureOurs(server, 'deploy');
    const oursUnchanged = await measureOurs(server, 'deploy');
    progress(`git: ours ${(ours.wallMs / 1000).toFixed(2)} s; the reference's model (git CLI, one clone and push per app)`);
    const reference = await measureReference(server, 'reference');
    progress(`git: reference model ${(reference.wallMs / 1000).toFixed(2)} s`);
    return { applications: GIT_BENCH_APPS, ours, oursUnchanged, reference };
  } finally {
    await server.stop();
  }
}

export function renderGitSection(result: GitBenchResult): string {
  const row = (name: string, run: GitRunMeasurement) =>
    `| ${name} | ${(run.wallMs / 1000).toFixed(2)} s | ${run.fetches} | ${run.pushes} | ${run.commits} | ${run.errors} |`;
  const { ours, reference } = result;
  const met = ours.fetches === 1 && ours.pushes <= 1 && ours.wallMs < TARGET_MS && ours.errors === 0 && ours.commits === result.applications;
  return [
    `${result.applications} Kustomize applications in one repository (${result.applications * 2} files), each moving one image, written in one run ` +
      "against Debian's `git http-backend` (smart HTTP, basic auth) on loopback, no added latency. Ours: the product's GitWriteBack " +
      '(isomorphic-git, one shallow fetch into memory, one commit per application, one push). Reference model: Argo CD Image Updater v0.x, ' +
      'one application after the other (its per-repository lock): `git init`, `fetch --depth 1`, `checkout`, edit, `commit -a`, `push` with the git CLI.',
    '',
    '| Run | Wall time | Fetch requests (upload-pack) | Push requests (receive-pack) | Commits | Errors |',
    '| --- | --- | --- | --- | --- | --- |',
    row('Ours', ours),
    row('Ours again, nothing left to change', result.oursUnchanged),
    row('Reference model (one clone and push per application)', reference),
    '',
    `Target: one fetch, at most one push per branch, under 10 s: ${met ? '✅' : '❌'}. ` +
      `Reference/ours: ${(reference.wallMs / ours.wallMs).toFixed(1)}× the wall time, ${ratio(reference.fetches, ours.fetches)} the fetch requests (the git CLI negotiates a shallow fetch in two), ${ratio(reference.pushes, ours.pushes)} the pushes.`,
  ].join('\n');
}

function ratio(reference: number, ours: number): string {
  return ours === 0 ? `${reference} vs 0` : `${(reference / ours).toFixed(0)}×`;
}
