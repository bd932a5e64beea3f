// HTTP for git and for the forges' REST APIs: every request has a timeout inside the run's
// deadline, TLS is verified (NODE_EXTRA_CA_CERTS adds a private CA), redirects are not followed,
// and a client only talks to the origin it was made for, so credentials cannot leave it.
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';

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

/** An isomorphic-git HTTP client bound to one repository's origin. */
export function gitHttpClient(repository: URL, limits: RequestLimits, tally: GitTally): HttpClient {
  return {
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
        body: response.body ? chunks(response.body) : undefined,
      };
    },
  };
}

async function collect(body: AsyncIterableIterator<Uint8Array> | Iterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of body) parts.push(part);
  return Buffer.concat(parts);
}

async function* chunks(stream: ReadableStream<Uint8Array>): AsyncIterableIterator<Uint8Array> {
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) yield chunk;
}

/** The cause fetch hides behind "fetch failed" (ECONNREFUSED, certificate errors, timeouts). */
export function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if ((error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError') return 'timed out';
  const code = cause?.code ?? '';
  if (/CERT|SIGNATURE/.test(code)) return `TLS certificate not trusted (${code}); add its CA with NODE_EXTRA_CA_CERTS`;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
