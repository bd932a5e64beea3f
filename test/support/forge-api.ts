// A double of the GitHub and GitLab REST APIs for what git write-back calls: GitHub App
// installation tokens (the JWT's RS256 signature verified with the app's public key), pull
// requests and their labels, GitLab merge requests. It keeps what was opened, as the forge would.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ForgeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | undefined>;
  body?: unknown;
}

export interface OpenedRequest {
  provider: 'github' | 'gitlab';
  project: string;
  number: number;
  head: string;
  base: string;
  title: string;
  body: string;
  labels: string[];
  url: string;
}

export interface ForgeApi {
  origin: string;
  requests: ForgeRequest[];
  opened: OpenedRequest[];
  stop(): Promise<void>;
}

export interface ForgeOptions {
  /** GitHub App: its id, installation, public key (PEM), and the installation token it issues. */
  githubApp?: { appId: string; installationId: string; publicKeyPem: string; token: string };
  /** Tokens the pull and merge request endpoints accept. */
  tokens: string[];
}

export async function startForgeApi(options: ForgeOptions): Promise<ForgeApi> {
  const requests: ForgeRequest[] = [];
  const opened: OpenedRequest[] = [];
  const publicKey = options.githubApp ? createPublicKey(options.githubApp.publicKeyPem) : undefined;

  function handle(request: ForgeRequest): { status: number; body: unknown } {
    const { method, path, headers } = request;
    const token = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1] ?? headers['private-token'];
    const installation = /^\/api\/v3\/app\/installations\/(\d+)\/access_tokens$/.exec(path);
    if (installation && method === 'POST') {
      const app = options.githubApp;
      if (!app || !publicKey || installation[1] !== app.installationId || !validJwt(token ?? '', app.appId, publicKey)) {
        return { status: 401, body: { message: 'A JSON web token could not be decoded' } };
      }
      return { status: 201, body: { token: app.token, expires_at: new Date(Date.now() + 3_600_000).toISOString() } };
    }
    if (!token || !options.tokens.includes(token)) return { status: 401, body: { message: 'Bad credentials' } };

    const pulls = /^\/api\/v3\/repos\/([^/]+\/[^/]+)\/pulls$/.exec(path);
    if (pulls) {
      const project = pulls[1] as string;
      if (method === 'GET') {
        const [owner, head] = (request.query.head ?? '').split(':');
        return { status: 200, body: opened.filter((pr) => pr.provider === 'github' && pr.project === project && `${project.split('/')[0]}` === owner && pr.head === head && (!request.query.base || pr.base === request.query.base)).map((pr) => ({ number: pr.number, html_url: pr.url })) };
      }
      const body = request.body as { title?: string; body?: string; head?: string; base?: string };
      if (!body.title || !body.head || !body.base) return { status: 422, body: { message: 'Validation Failed' } };
      if (opened.some((pr) => pr.provider === 'github' && pr.project === project && pr.head === body.head)) return { status: 422, body: { message: 'A pull request already exists' } };
      const number = opened.length + 1;
      const pr: OpenedRequest = { provider: 'github', project, number, head: body.head, base: body.base, title: body.title, body: body.body ?? '', labels: [], url: `https://github.example.com/${project}/pull/${number}` };
      opened.push(pr);
      return { status: 201, body: { number, html_url: pr.url } };
    }
    const labels = /^\/api\/v3\/repos\/([^/]+\/[^/]+)\/issues\/(\d+)\/labels$/.exec(path);
    if (labels && method === 'POST') {
      const pr = opened.find((candidate) => candidate.project === labels[1] && candidate.number === Number(labels[2]));
      if (!pr) return { status: 404, body: { message: 'Not Found' } };
      pr.labels.push(...((request.body as { labels?: string[] }).labels ?? []));
      return { status: 200, body: pr.labels.map((name) => ({ name })) };
    }
    const merges = /^\/api\/v4\/projects\/([^/]+)\/merge_requests$/.exec(path);
    if (merges) {
      const project = decodeURIComponent(merges[1] as string);
      if (method === 'GET') {
        return { status: 200, body: opened.filter((mr) => mr.provider === 'gitlab' && mr.project === project && mr.head === request.query.source_branch).map((mr) => ({ iid: mr.number, web_url: mr.url })) };
      }
      const body = request.body as { title?: string; description?: string; source_branch?: string; target_branch?: string; labels?: string };
      if (!body.title || !body.source_branch || !body.target_branch) return { status: 400, body: { message: ['title is missing'] } };
      const number = opened.length + 1;
      const mr: OpenedRequest = {
        provider: 'gitlab',
        project,
        number,
        head: body.source_branch,
        base: body.target_branch,
        title: body.title,
        body: body.description ?? '',
        labels: body.labels ? body.labels.split(',') : [],
        url: `https://gitlab.example.com/${project}/-/merge_requests/${number}`,
      };
      opened.push(mr);
      return { status: 201, body: { iid: number, web_url: mr.url } };
    }
    return { status: 404, body: { message: 'Not Found' } };
  }

  const server = createServer((incoming: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const url = new URL(incoming.url ?? '/', 'http://forge');
      const text = Buffer.concat(chunks).toString('utf8');
      const request: ForgeRequest = {
        method: incoming.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: { authorization: incoming.headers.authorization, 'private-token': incoming.headers['private-token'] as string | undefined },
        ...(text && { body: JSON.parse(text) as unknown }),
      };
      requests.push(request);
      const answer = handle(request);
      response.writeHead(answer.status, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    opened,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** RS256, issued by the app, not expired, at most 10 minutes long: what GitHub checks. */
function validJwt(jwt: string, appId: string, key: KeyObject): boolean {
  const [header, payload, signature] = jwt.split('.');
  if (!header || !payload || !signature) return false;
  if (!verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url'))) return false;
  const head = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: string };
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iss?: unknown; iat?: number; exp?: number };
  const now = Date.now() / 1000;
  return head.alg === 'RS256' && String(claims.iss) === appId && (claims.exp ?? 0) > now && (claims.iat ?? Infinity) <= now && (claims.exp ?? 0) - (claims.iat ?? 0) <= 660;
}
