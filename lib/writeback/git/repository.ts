// One repository as this function sees it: a bare, shallow, single-branch copy in memory, through
// isomorphic-git. There is no work tree: files are read from and written to git objects, so only
// the files changed are ever materialised, and nothing outlives the run.
import git, { Errors, type TreeEntry } from 'isomorphic-git';
import { redact } from '../../report/secrets';
import type { GitHttpClient } from './http';
import { MemoryFs } from './memory-fs';

export interface CommitAuthor {
  name: string;
  email: string;
}

export interface RemoteRefs {
  /** The branch the remote's HEAD names. */
  defaultBranch?: string;
  branches: Set<string>;
}

export class PushRejected extends Error {
  override name = 'PushRejected';
}

export class GitWorkspace {
  private readonly cache = {};
  private readonly gitdir = '/repository.git';
  private readonly fs = new MemoryFs();

  private constructor(
    private readonly url: string,
    private readonly http: GitHttpClient,
    private readonly headers: Record<string, string>,
  ) {}

  static async open(url: URL, http: GitHttpClient, headers: Record<string, string>): Promise<GitWorkspace> {
    const workspace = new GitWorkspace(url.href, http, headers);
    await git.init({ fs: workspace.fs, gitdir: workspace.gitdir, bare: true });
    await git.addRemote({ fs: workspace.fs, gitdir: workspace.gitdir, remote: 'origin', url: url.href });
    return workspace;
  }

  async remoteRefs(): Promise<RemoteRefs> {
    const refs = await this.explain(
      git.listServerRefs({ http: this.http, url: this.url, headers: this.headers, symrefs: true, protocolVersion: 1 }),
      'list the branches of',
    );
    const branches = new Set(refs.filter((ref) => ref.ref.startsWith('refs/heads/')).map((ref) => ref.ref.slice('refs/heads/'.length)));
    const head = refs.find((ref) => ref.ref === 'HEAD')?.target;
    return { branches, ...(head?.startsWith('refs/heads/') && { defaultBranch: head.slice('refs/heads/'.length) }) };
  }

  /** Fetches the tip of `branch` (depth 1, no tags) and returns its commit. */
  async fetchBranch(branch: string): Promise<string> {
    const result = await this.explain(
      git.fetch({ fs: this.fs, http: this.http, gitdir: this.gitdir, remote: 'origin', headers: this.headers, ref: branch, singleBranch: true, depth: 1, tags: false, cache: this.cache }),
      `fetch branch ${branch} of`,
    );
    if (!result.fetchHead) throw new Error(`branch ${branch} not found in ${this.url}`);
    return result.fetchHead;
  }

  /** The file's text at `commit`, or undefined when there is no such file. */
  async readFile(commit: string, path: string): Promise<string | undefined> {
    try {
      const { blob } = await git.readBlob({ fs: this.fs, gitdir: this.gitdir, oid: commit, filepath: path, cache: this.cache });
      return Buffer.from(blob).toString('utf8');
    } catch (error) {
      if (error instanceof Errors.NotFoundError) return undefined;
      if (error instanceof Errors.ObjectTypeError) throw new Error(`${path} is not a file`);
      throw error;
    }
  }

  /** A new commit on `parent` with `files` (path → text) written. */
  async commit(parent: string, files: Map<string, string>, message: string, author: CommitAuthor): Promise<string> {
    const { commit } = await git.readCommit({ fs: this.fs, gitdir: this.gitdir, oid: parent, cache: this.cache });
    let tree = commit.tree;
    for (const [path, text] of files) {
      const blob = await git.writeBlob({ fs: this.fs, gitdir: this.gitdir, blob: Buffer.from(text, 'utf8') });
      tree = await this.withBlob(tree, path.split('/'), blob);
    }
    const signature = { name: author.name, email: author.email, timestamp: Math.floor(Date.now() / 1000), timezoneOffset: 0 };
    return git.writeCommit({
      fs: this.fs,
      gitdir: this.gitdir,
      commit: { message: message.endsWith('\n') ? message : `${message}\n`, tree, parent: [parent], author: signature, committer: signature },
    });
  }

  /**
   * Pushes `commit` to `branch`, never forced: the remote moving in between is a PushRejected.
   * @param expected the branch's tip when it was fetched; undefined when the branch is new.
   */
  async push(commit: string, branch: string): Promise<void> {
    const local = `image-updater-push-${branch}`;
    await git.writeRef({ fs: this.fs, gitdir: this.gitdir, ref: `refs/heads/${local}`, value: commit, force: true });
    try {
      await git.push({ fs: this.fs, http: this.http, gitdir: this.gitdir, remote: 'origin', headers: this.headers, ref: local, remoteRef: `refs/heads/${branch}`, cache: this.cache });
    } catch (error) {
      if (error instanceof Errors.PushRejectedError || error instanceof Errors.GitPushError) {
        throw new PushRejected(`push to ${branch} of ${this.url} was rejected: ${error.message.trim()}`);
      }
      throw new Error(`cannot push to ${branch} of ${this.url}: ${describeGitError(error)}`);
    }
  }

  private async withBlob(tree: string | undefined, parts: string[], blob: string): Promise<string> {
    const [name, ...rest] = parts as [string, ...string[]];
    const entries: TreeEntry[] = tree ? (await git.readTree({ fs: this.fs, gitdir: this.gitdir, oid: tree, cache: this.cache })).tree : [];
    const existing = entries.find((entry) => entry.path === name);
    let entry: TreeEntry;
    if (rest.length === 0) {
      if (existing && existing.type !== 'blob') throw new Error(`${name} is a directory, not a file`);
      entry = { mode: existing?.mode === '100755' ? '100755' : '100644', path: name, oid: blob, type: 'blob' };
    } else {
      if (existing && existing.type !== 'tree') throw new Error(`${name} is a file, not a directory`);
      entry = { mode: '040000', path: name, oid: await this.withBlob(existing?.oid, rest, blob), type: 'tree' };
    }
    return git.writeTree({ fs: this.fs, gitdir: this.gitdir, tree: [...entries.filter((other) => other.path !== name), entry] });
  }

  private async explain<T>(operation: Promise<T>, what: string): Promise<T> {
    let result: T;
    try {
      result = await operation;
    } catch (error) {
      throw new Error(`cannot ${what} ${this.url}: ${describeGitError(this.http.takeBodyError() ?? error)}`);
    }
    const cut = this.http.takeBodyError();
    if (cut) throw new Error(`cannot ${what} ${this.url}: ${cut.message}`);
    return result;
  }
}

/** isomorphic-git's errors in words a user can act on. */
function describeGitError(error: unknown): string {
  if (error instanceof Errors.HttpError) {
    const status = (error.data as { statusCode?: number }).statusCode;
    if (status === 401 || status === 403) return `authentication failed (HTTP ${status}): check the git credentials`;
    if (status === 404) return 'repository not found (HTTP 404)';
    return `HTTP ${status ?? '?'}`;
  }
  if (error instanceof Errors.NotFoundError) return `${error.message.replace(/^Could not find /, '')} not found`;
  if (error instanceof Errors.SmartHttpError) return 'the server does not speak git smart HTTP';
  // Other messages may quote what the server sent: redacted first, then cut.
  const message = redact((error as Error).message);
  return message.length > MESSAGE_LIMIT ? `${message.slice(0, MESSAGE_LIMIT)}…` : message;
}

const MESSAGE_LIMIT = 300;
