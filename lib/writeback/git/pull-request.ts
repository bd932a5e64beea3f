// Pull requests (GitHub) and merge requests (GitLab) from a write branch to its base branch, through
// their REST APIs. One is opened only when none is open for the same branches already.
import { fetch } from 'undici';
import { readJsonLimited } from '../../registry/body-limit';
import { API_ANSWER_LIMIT, describeFetchError, gitDispatcher, requestSignal, type GitTally, type RequestLimits } from './http';
import { githubApiBase } from './github-app';

export type PullRequestProvider = 'github' | 'gitlab';

export interface PullRequestSettings {
  provider: PullRequestProvider;
  labels: string[];
}

export interface PullRequestRequest {
  repository: URL;
  base: string;
  head: string;
  title: string;
  body: string;
  labels: string[];
  /** A token the API accepts: an access token, or a GitHub App installation token. */
  token: string;
}

export interface PullRequestResult {
  url: string;
  /** False when one was already open for these branches. */
  created: boolean;
  /** A label request that failed (GitHub labels are a second call; the pull request stands). */
  warning?: string;
}

export interface ForgeApis {
  githubApiUrl?: string;
  gitlabApiUrl?: string;
}

/**
 * Finds the open pull request from `head` to `base`, or opens one.
 * @throws Error naming the API and the HTTP status, never the token.
 */
export async function ensurePullRequest(provider: PullRequestProvider, request: PullRequestRequest, apis: ForgeApis, limits: RequestLimits, tally: GitTally): Promise<PullRequestResult> {
  const call = apiCaller(request.token, provider, limits, tally);
  return provider === 'github' ? githubPullRequest(request, githubApiBase(request.repository, apis.githubApiUrl), call) : gitlabMergeRequest(request, gitlabApiBase(request.repository, apis.gitlabApiUrl), call);
}

/** GitLab's REST API for a repository host: `<origin>/api/v4` unless configured. */
export function gitlabApiBase(repository: URL, configured?: string): string {
  return configured ? configured.replace(/\/+$/, '') : `${repository.origin}/api/v4`;
}

/** `group/sub/project` from `https://host/group/sub/project.git`. */
function repositoryPath(repository: URL): string {
  const path = decodeURIComponent(repository.pathname).replace(/^\/+/, '').replace(/\/+$/, '').replace(/\.git$/, '');
  if (!path.includes('/')) throw new Error(`cannot tell the owner and project of ${repository.href}`);
  return path;
}

type ApiCall = (method: string, url: string, body?: unknown) => Promise<{ status: number; json: unknown }>;

function apiCaller(token: string, provider: PullRequestProvider, limits: RequestLimits, tally: GitTally): ApiCall {
  const auth: Record<string, string> = provider === 'github' ? { Authorization: `Bearer ${token}`, Accept: 'application/vnd.github+json', 'X-GitHub-Api-Version': '2022-11-28' } : { 'PRIVATE-TOKEN': token };
  return async (method, url, body) => {
    tally.apiRequests++;
    const headers: Record<string, string> = { ...auth, 'User-Agent': 'image-updater-lambda' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: 'manual',
      signal: requestSignal(limits),
      dispatcher: gitDispatcher,
    }).catch((error: unknown) => {
      throw new Error(`${method} ${new URL(url).pathname} on ${new URL(url).origin} failed: ${describeFetchError(error)}`);
    });
    return { status: response.status, json: await readJsonLimited(response, API_ANSWER_LIMIT).catch(() => undefined) };
  };
}

function unexpected(what: string, status: number, json: unknown): Error {
  const message = (json as { message?: unknown } | undefined)?.message;
  const detail = typeof message === 'string' ? `: ${message.slice(0, 200)}` : Array.isArray(message) ? `: ${message.join('; ').slice(0, 200)}` : '';
  return new Error(`${what} answered HTTP ${status}${detail}`);
}

async function githubPullRequest(request: PullRequestRequest, api: string, call: ApiCall): Promise<PullRequestResult> {
  const path = repositoryPath(request.repository);
  const owner = path.split('/')[0] as string;
  const pulls = `${api}/repos/${path}/pulls`;
  const query = new URLSearchParams({ state: 'open', head: `${owner}:${request.head}`, base: request.base });
  const listed = await call('GET', `${pulls}?${query}`);
  if (listed.status !== 200 || !Array.isArray(listed.json)) throw unexpected('GitHub: listing pull requests', listed.status, listed.json);
  const open = listed.json[0] as { html_url?: string } | undefined;
  if (open?.html_url) return { url: open.html_url, created: false };

  const created = await call('POST', pulls, { title: request.title, body: request.body, head: request.head, base: request.base });
  const pull = created.json as { number?: number; html_url?: string } | undefined;
  if (created.status !== 201 || pull?.number === undefined) throw unexpected('GitHub: opening the pull request', created.status, created.json);
  const result: PullRequestResult = { url: pull.html_url ?? `${pulls}/${pull.number}`, created: true };
  if (request.labels.length === 0) return result;
  const labelled = await call('POST', `${api}/repos/${path}/issues/${pull.number}/labels`, { labels: request.labels }).catch((error: Error) => ({ status: 0, json: { message: error.message } }));
  if (labelled.status !== 200) return { ...result, warning: unexpected('GitHub: labelling the pull request', labelled.status, labelled.json).message };
  return result;
}

async function gitlabMergeRequest(request: PullRequestRequest, api: string, call: ApiCall): Promise<PullRequestResult> {
  const requests = `${api}/projects/${encodeURIComponent(repositoryPath(request.repository))}/merge_requests`;
  const query = new URLSearchParams({ state: 'opened', source_branch: request.head, target_branch: request.base });
  const listed = await call('GET', `${requests}?${query}`);
  if (listed.status !== 200 || !Array.isArray(listed.json)) throw unexpected('GitLab: listing merge requests', listed.status, listed.json);
  const open = listed.json[0] as { web_url?: string } | undefined;
  if (open?.web_url) return { url: open.web_url, created: false };

  const created = await call('POST', requests, {
    source_branch: request.head,
    target_branch: request.base,
    title: request.title,
    description: request.body,
    ...(request.labels.length > 0 && { labels: request.labels.join(',') }),
  });
  const merge = created.json as { iid?: number; web_url?: string } | undefined;
  if (created.status !== 201 || merge?.iid === undefined) throw unexpected('GitLab: opening the merge request', created.status, created.json);
  return { url: merge.web_url ?? `${requests}/${merge.iid}`, created: true };
}
