// A real git server for the tests: Debian's `git http-backend` run as CGI behind a small Node HTTP
// server (smart HTTP, basic auth), with bare repositories in a temp dir. Tests set repositories
// up and assert on them with the git CLI, as a user would look at them.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { makeServerCertificate } from './registry/certificates';

const run = promisify(execFile);
const GIT_ENV = { GIT_CONFIG_NOSYSTEM: '1', HOME: tmpdir(), GIT_AUTHOR_NAME: 'Someone Else', GIT_AUTHOR_EMAIL: 'someone@example.com', GIT_COMMITTER_NAME: 'Someone Else', GIT_COMMITTER_EMAIL: 'someone@example.com' };

export interface GitCommitInfo {
  sha: string;
  author: string;
  email: string;
  subject: string;
  body: string;
}

export interface GitServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** The clone URL of a repository. */
  url(name: string): string;
  createRepository(name: string, files: Record<string, string>, options?: { branch?: string }): Promise<void>;
  /** Another writer commits and pushes (with the git CLI); returns the new commit. */
  commit(name: string, branch: string, files: Record<string, string>, message?: string): Promise<string>;
  /** A file at the tip of a branch, or undefined. */
  read(name: string, branch: string, path: string): Promise<string | undefined>;
  /** Newest first. */
  log(name: string, branch: string): Promise<GitCommitInfo[]>;
  branches(name: string): Promise<string[]>;
  /** Requests served: `upload-pack` POSTs (fetches), `receive-pack` POSTs (pushes), and every request. */
  counts: { fetches: number; pushes: number; requests: number; unauthorized: number };
  /** Runs `hook` right before the next push is served (after the client fetched). */
  beforeNextPush(hook: () => Promise<void>): void;
  stop(): Promise<void>;
}

export interface GitServerOptions {
  /** username → password; empty: no authentication. */
  users?: Record<string, string>;
  /** Serve https with a certificate from a throwaway CA (which no client trusts). */
  tls?: boolean;
}

export async function startGitServer(options: GitServerOptions = {}): Promise<GitServer> {
  const root = mkdtempSync(join(tmpdir(), 'git-server-'));
  const users = options.users ?? {};
  const counts = { fetches: 0, pushes: 0, requests: 0, unauthorized: 0 };
  let pushHook: (() => Promise<void>) | undefined;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    counts.requests++;
    const user = authenticate(request.headers.authorization, users);
    if (user === undefined) {
      counts.unauthorized++;
      response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' });
      response.end();
      return;
    }
    const url = new URL(request.url ?? '/', 'http://git');
    const service = url.searchParams.get('service') ?? url.pathname.split('/').at(-1);
    if (service === 'git-receive-pack' && request.method === 'GET' && pushHook) {
      const hook = pushHook;
      pushHook = undefined;
      await hook();
    }
    if (request.method === 'POST' && url.pathname.endsWith('/git-upload-pack')) counts.fetches++;
    if (request.method === 'POST' && url.pathname.endsWith('/git-receive-pack')) counts.pushes++;
    await cgi(root, request, url, user, response);
  }

  const listener = (request: IncomingMessage, response: ServerResponse) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500);
      response.end(String(error));
    });
  };
  const certificate = options.tls ? await makeServerCertificate(root) : undefined;
  const server = certificate
    ? createHttpsServer({ cert: await readFile(certificate.certificatePath), key: await readFile(certificate.keyPath) }, listener)
    : createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `${certificate ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const bare = (name: string) => join(root, `${name}.git`);

  return {
    origin,
    counts,
    url: (name) => `${origin}/${name}.git`,
    async createRepository(name, files, { branch = 'main' } = {}) {
      await git(root, 'init', '--quiet', '--bare', `--initial-branch=${branch}`, bare(name));
      await git(bare(name), 'config', 'http.receivepack', 'true');
      const work = await mkdtemp(join(tmpdir(), 'git-work-'));
      try {
        await git(work, 'init', '--quiet', `--initial-branch=${branch}`);
        await writeFiles(work, files);
        await git(work, 'add', '-A');
        await git(work, 'commit', '--quiet', '-m', 'initial');
        await git(work, 'push', '--quiet', bare(name), `${branch}:${branch}`);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },
    async commit(name, branch, files, message = 'a change by someone else') {
      const work = await mkdtemp(join(tmpdir(), 'git-work-'));
      try {
        await git(work, 'clone', '--quiet', '--branch', branch, bare(name), '.');
        await writeFiles(work, files);
        await git(work, 'add', '-A');
        await git(work, 'commit', '--quiet', '-m', message);
        await git(work, 'push', '--quiet', 'origin', branch);
        return (await git(work, 'rev-parse', 'HEAD')).trim();
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },
    async read(name, branch, path) {
      try {
        return await git(bare(name), 'show', `${branch}:${path}`);
      } catch {
        return undefined;
      }
    },
    async log(name, branch) {
      const out = await git(bare(name), 'log', '--format=%H%x1f%an%x1f%ae%x1f%s%x1f%b%x1e', branch);
      return out
        .split('\x1e')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== '')
        .map((entry) => {
          const [sha = '', author = '', email = '', subject = '', body = ''] = entry.split('\x1f');
          return { sha, author, email, subject, body: body.trim() };
        });
    },
    async branches(name) {
      const out = await git(bare(name), 'for-each-ref', '--format=%(refname:short)', 'refs/heads');
      return out.split('\n').filter((line) => line !== '').sort();
    },
    beforeNextPush(hook) {
      pushHook = hook;
    },
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function authenticate(header: string | undefined, users: Record<string, string>): string | undefined {
  if (Object.keys(users).length === 0) return 'anonymous';
  const match = /^Basic (.+)$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const [user, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
  return colon > 0 && Object.hasOwn(users, user) && users[user] === password ? user : undefined;
}

/** `git http-backend` as CGI: request body to stdin, `Status:` and headers from stdout. */
function cgi(root: string, request: IncomingMessage, url: URL, user: string, response: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['http-backend'], {
      env: {
        ...GIT_ENV,
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.replace(/^\?/, ''),
        REQUEST_METHOD: request.method ?? 'GET',
        CONTENT_TYPE: request.headers['content-type'] ?? '',
        REMOTE_USER: user,
        REMOTE_ADDR: '127.0.0.1',
        ...(request.headers['git-protocol'] && { GIT_PROTOCOL: String(request.headers['git-protocol']) }),
        ...(request.headers['content-encoding'] && { HTTP_CONTENT_ENCODING: String(request.headers['content-encoding']) }),
      },
    });
    request.pipe(child.stdin);
    let buffered = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        response.write(chunk);
        return;
      }
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      const headers: Record<string, string> = {};
      let status = 200;
      for (const line of buffered.subarray(0, end).toString('utf8').split('\r\n')) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else headers[name] = value;
      }
      response.writeHead(status, headers);
      response.write(buffered.subarray(end + 4));
    });
    child.on('error', reject);
    child.on('close', () => {
      if (!headersDone) response.writeHead(500);
      response.end();
      resolve();
    });
  });
}

async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd, env: { ...process.env, ...GIT_ENV }, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}
