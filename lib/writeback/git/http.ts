// HTTP for git and for the forges' REST APIs: every request has a timeout inside the run's
// deadline, TLS is verified (NODE_EXTRA_CA_CERTS adds a private CA), redirects are not followed,
// a client only talks to the origin it was made for, so credentials cannot leave it, no
// link-local or metadata address is contacted, and no answer is read past a size cap.
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import { EnvHttpProxyAgent, fetch } from 'undici';
import { checkedConnector, NO_LINK_LOCAL } from '../../registry/egress';

/**
 * One connection pool for git and forge API requests: the environment's proxy settings, and never
 * a link-local or metadata address (a repository URL comes from an Application, not the operator).
 */
export const gitDispatcher = new EnvHttpProxyAgent({ connect: checkedConnector({}, NO_LINK_LOCAL) });

const MIB = 1024 * 1024;

/** The most read of one forge API answer (a pull request list page, a token). */
export const API_ANSWER_LIMIT = MIB;

/**
 * The most read of one git answer (a pack): a quarter of the function's memory, at least 64 MiB,
 * so that up to 4 repositories written at once fit. Raising `memorySize` raises it.
 */
export function gitAnswerLimit(env: NodeJS.ProcessEnv = process.env): number {
  const memoryMiB = Number(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
  return Math.max(64, Number.isFinite(memoryMiB) ? Math.floor(memoryMiB / 4) : 0) * MIB;
}

/** What a run's git traffic costs, for the report and the benchmark. */
export interface GitTally {
  fetches: number;
  pushes: number;
  apiRequests: number;
}

export function newGitTally(): GitTally {
  return { fetches: 0, pushes: 0, apiRequests: 0 };
}

export interface RequestLimits {
  /** Epoch ms; no request runs past it. */
  deadline?: number;
  /** Per request. */
  timeoutMs: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** An AbortSignal for the next request, or an Error when the deadline has passed. */
export function requestSignal(limits: RequestLimits): AbortSignal {
  const remaining = limits.deadline === undefined ? limits.timeoutMs : Math.min(limits.timeoutMs, limits.deadline - Date.now());
  if (remaining <= 0) throw new Error('the run has no time left for this request');
  return AbortSignal.timeout(remaining);
}

/** An isomorphic-git HTTP client that also tells when an answer was cut. */
export interface GitHttpClient extends HttpClient {
  /**
   * The error an answer's body hit (too large), once. isomorphic-git reads a failed body as its
   * end, so the workspace asks after every operation: nothing is written from a cut answer.
   */
  takeBodyError(): Error | undefined;
}

/** An isomorphic-git HTTP client bound to one repository's origin. */
export function gitHttpClient(repository: URL, limits: RequestLimits, tally: GitTally): GitHttpClient {
  let bodyError: Error | undefined;
  return {
    takeBodyError() {
      const error = bodyError;
      bodyError = undefined;
      return error;
    },
    async request(request: GitHttpRequest): Promise<GitHttpResponse> {
      const url = new URL(request.url);
      if (url.origin !== repository.origin) throw new Error(`refusing to send a git request to ${url.origin}: the repository is on ${repository.origin}`);
      if (request.method === 'POST' && url.pathname.endsWith('/git-upload-pack')) tally.fetches++;
      if (request.method === 'POST' && url.pathname.endsWith('/git-receive-pack')) tally.pushes++;
      const body = request.body ? await collect(request.body) : undefined;
      const response = await fetch(url, {
        method: request.method ?? 'GET',
        headers: request.headers,
        body,
        redirect: 'manual',
        signal: requestSignal(limits),
        dispatcher: gitDispatcher,
      }).catch((error: unknown) => {
        throw new Error(`git request to ${url.origin}${url.pathname} failed: ${describeFetchError(error)}`);
      });
      if (response.status >= 300 && response.status < 400) {
        throw new Error(`git request to ${url.origin}${url.pathname} was redirected (${response.status}); set git-repository to the final URL`);
      }
      return {
        url: request.url,
        method: request.method,
        statusCode: response.status,
        statusMessage: response.statusText,
        headers: Object.fromEntries(response.headers.entries()),
        body: response.body
          ? limitedChunks(response.body, gitAnswerLimit(), `git answer from ${url.origin}${url.pathname}`, (error) => (bodyError = error))
          : undefined,
      };
    },
  };
}

async function collect(body: AsyncIterableIterator<Uint8Array> | Iterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of body) parts.push(part);
  return Buffer.concat(parts);
}

async function* limitedChunks(stream: AsyncIterable<Uint8Array>, limit: number, what: string, failed: (error: Error) => void): AsyncIterableIterator<Uint8Array> {
  let total = 0;
  try {
    for await (const chunk of stream) {
      total += chunk.byteLength;
      if (total > limit) throw new Error(`${what} is larger than ${limit / MIB} MiB, the most read (raise memorySize for larger repositories)`);
      yield chunk;
    }
  } catch (error) {
    // A body cut by its size, the timeout or the network: never read as a complete answer.
    const cause = error instanceof Error && error.message.startsWith(what) ? error : new Error(`${what} was cut: ${describeFetchError(error)}`);
    failed(cause);
    throw cause;
  }
}

/** The cause fetch hides behind "fetch failed" (ECONNREFUSED, certificate errors, timeouts). */
export function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if ((error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError') return 'timed out';
  const code = cause?.code ?? '';
  if (code === 'ERR_EGRESS_REFUSED') return cause?.message ?? code;
  if (/CERT|SIGNATURE/.test(code)) return `TLS certificate not trusted (${code}); add its CA with NODE_EXTRA_CA_CERTS`;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
