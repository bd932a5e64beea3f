// HTTP to one registry endpoint: TLS settings (CA, insecure) and proxy from the environment, the
// shared rate limit, request counting, Retry-After on 429/503, timeouts bounded by the deadline,
// and the https → http fallback for inferred loopback endpoints.
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import { DeadlineReached } from '../deadline';
import type { Log } from '../model';
import type { RegistryEndpoint } from './config';
import { checkedConnector, PUBLIC_ONLY } from './egress';
import { RegistryError, type ErrorScope } from './errors';
import { rateLimiterFor } from './rate-limit';
import { RegistryResponse } from './response';

export type RequestKind = 'ping' | 'token' | 'tags' | 'manifest-head' | 'manifest-get' | 'referrers' | 'blob' | 'ecr-api';

export interface RequestCounter {
  count(kind: RequestKind): void;
}

export interface TransportOptions {
  endpoint: RegistryEndpoint;
  log: Log;
  counter?: RequestCounter;
  /** Epoch ms, the run's hard deadline: no wait (rate limit, Retry-After) and no request outlives it. */
  deadline?: number;
}

export interface RequestInit {
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  /** For error messages. */
  repository?: string;
}

const REQUEST_TIMEOUT_MS = 30_000;
/** Without a deadline, a Retry-After longer than this fails at once instead of stalling the run. */
const MAX_RETRY_AFTER_MS = 60_000;
const MAX_RETRIES = 3;
/** Redirects followed (blob downloads go to a CDN or object store); `fetch` follows 20. */
const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const TLS_ERROR_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const dispatchers = new Map<string, Dispatcher>();
/** API URL → base URL actually used, once the loopback fallback has decided. */
const resolvedBaseUrls = new Map<string, string>();

export class RegistryTransport {
  private readonly endpoint: RegistryEndpoint;
  private readonly log: Log;
  private readonly counter: RequestCounter | undefined;
  private readonly deadline: number | undefined;
  /** Aborts whatever is still in flight (a body included) at the deadline; one for all requests. */
  private deadlineSignal: AbortSignal | undefined;
  private base: string;

  constructor(options: TransportOptions) {
    this.endpoint = options.endpoint;
    this.log = options.log;
    this.counter = options.counter;
    this.deadline = options.deadline;
    this.base = resolvedBaseUrls.get(options.endpoint.apiUrl) ?? options.endpoint.apiUrl;
  }

  /** Another client's ping (shared in the invocation) may have settled the base URL since this one was made. */
  get baseUrl(): string {
    return resolvedBaseUrls.get(this.endpoint.apiUrl) ?? this.base;
  }

  /**
   * `GET /v2/`. An inferred loopback endpoint whose https connection fails for another reason than
   * its certificate is tried over http; if http gives no registry answer either, the https error stands.
   */
  async ping(): Promise<RegistryResponse> {
    const url = `${this.base}/v2/`;
    try {
      return await this.request('ping', url);
    } catch (httpsError) {
      const fallback = this.base.replace(/^https:/, 'http:');
      const code = failureCode(httpsError);
      if (!this.endpoint.plainHttpFallback || fallback === this.base || code === undefined || TLS_ERROR_CODES.has(code)) {
        throw httpsError;
      }
      this.log.debug('registry does not answer https, trying http', { registry: this.endpoint.name });
      const response = await this.request('ping', `${fallback}/v2/`).catch(() => undefined);
      if (response?.status !== 200 && response?.status !== 401) {
        await response?.discard();
        throw httpsError;
      }
      this.base = fallback;
      resolvedBaseUrls.set(this.endpoint.apiUrl, fallback);
      return response;
    }
  }

  /** One HTTP request, repeated while the registry asks to retry later and the wait is affordable. */
  async request(kind: RequestKind, url: string, init: RequestInit = {}): Promise<RegistryResponse> {
    const method = init.method ?? 'GET';
    const scope: ErrorScope = { endpoint: this.endpoint };
    if (init.repository !== undefined) scope.repository = init.repository;

    for (let attempt = 0; ; attempt++) {
      await this.waitForRateLimit(scope);
      const response = await this.send(kind, method, url, init.headers ?? {}, scope);
      if (response.status !== 429 && response.status !== 503) return response;
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      if (retryAfterMs === undefined) return response;
      await response.discard();
      const action = `${method} ${redactUrl(url)}`;
      if (attempt >= MAX_RETRIES) {
        throw new RegistryError(scope, `${action}: still HTTP ${response.status} after ${MAX_RETRIES} retries`, response.status);
      }
      const afterDeadline = this.deadline !== undefined && Date.now() + retryAfterMs > this.deadline;
      if (afterDeadline || retryAfterMs > MAX_RETRY_AFTER_MS) {
        throw new RegistryError(
          scope,
          `${action}: HTTP ${response.status}, the registry asks to retry in ${Math.ceil(retryAfterMs / 1000)} s, ` +
            (afterDeadline ? 'after the deadline' : 'longer than this run waits'),
          response.status,
          afterDeadline ? { cause: new DeadlineReached('retry after the deadline') } : undefined,
        );
      }
      this.log.warn('registry asks to retry later', { registry: this.endpoint.name, status: response.status, retryAfterMs });
      await sleep(retryAfterMs);
    }
  }

  private async waitForRateLimit(scope: ErrorScope): Promise<void> {
    const bucket = rateLimiterFor(this.endpoint);
    if (!bucket) return;
    const waitMs = bucket.reserve(Date.now(), this.deadline);
    if (waitMs === undefined) {
      throw new RegistryError(scope, `rate limit of ${bucket.ratePerSecond} requests/s leaves no slot before the deadline`, undefined, {
        cause: new DeadlineReached('no rate-limit slot before the deadline'),
      });
    }
    if (waitMs > 0) await sleep(waitMs);
  }

  private async send(
    kind: RequestKind,
    method: string,
    url: string,
    headers: Record<string, string>,
    scope: ErrorScope,
  ): Promise<RegistryResponse> {
    const action = `${method} ${redactUrl(url)}`;
    const timeoutMs =
      this.deadline === undefined ? REQUEST_TIMEOUT_MS : Math.min(REQUEST_TIMEOUT_MS, this.deadline - Date.now());
    const cutByDeadline = timeoutMs < REQUEST_TIMEOUT_MS;
    if (timeoutMs <= 0) throw new RegistryError(scope, `${action}: deadline reached`, undefined, { cause: new DeadlineReached(action) });

    this.counter?.count(kind);
    const started = Date.now();
    try {
      const response = await this.followingRedirects(method, url, headers, timeoutMs, scope);
      this.log.debug('registry request', {
        registry: this.endpoint.name,
        method,
        url: redactUrl(url),
        status: response.status,
        ms: Date.now() - started,
      });
      return response;
    } catch (error) {
      if (error instanceof RegistryError) throw error;
      const timedOut = isTimeout(error);
      const cause = timedOut && cutByDeadline ? new DeadlineReached(action, { cause: error }) : error;
      const detail = timedOut && cutByDeadline ? "no answer before the run's deadline" : describeFailure(error, timeoutMs);
      throw new RegistryError(scope, `${action}: ${detail}`, undefined, { cause });
    }
  }

  /**
   * As `fetch` does: a redirect is followed with the same method, and its credentials stay behind
   * when it leaves the registry's origin. Each hop waits `timeoutMs` at most for its headers and
   * between body chunks; the deadline (or, without one, `timeoutMs`) bounds the whole answer.
   */
  private async followingRedirects(
    method: string,
    url: string,
    headers: Record<string, string>,
    timeoutMs: number,
    scope: ErrorScope,
  ): Promise<RegistryResponse> {
    const signal = this.deadline === undefined ? AbortSignal.timeout(timeoutMs) : this.signalAtDeadline();
    const dispatcher = this.dispatcher(scope);
    let target = new URL(url);
    let sent = headers;
    for (let hop = 0; ; hop++) {
      const data = await request(target.href, {
        method: method as Dispatcher.HttpMethod,
        headers: sent,
        dispatcher,
        signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const response = new RegistryResponse(data);
      const location = response.headers.get('location');
      if (!REDIRECT_STATUSES.has(response.status) || location === null) return response;
      await response.discard();
      const next = URL.canParse(location, target.href) ? new URL(location, target) : undefined;
      if (!next || (next.protocol !== 'https:' && next.protocol !== 'http:')) {
        throw new RegistryError(scope, `${method} ${redactUrl(url)}: redirect to an unreadable location`);
      }
      if (hop >= MAX_REDIRECTS) throw new RegistryError(scope, `${method} ${redactUrl(url)}: more than ${MAX_REDIRECTS} redirects`);
      if (next.origin !== target.origin) sent = withoutAuthorization(sent);
      target = next;
    }
  }

  private signalAtDeadline(): AbortSignal {
    if (!this.deadlineSignal) {
      this.deadlineSignal = AbortSignal.timeout(Math.max(1, (this.deadline ?? Date.now()) - Date.now()));
      // Every request in flight listens to it: many at once is expected, not a leak.
      setMaxListeners(0, this.deadlineSignal);
    }
    return this.deadlineSignal;
  }

  private dispatcher(scope: ErrorScope): Dispatcher {
    const { apiUrl, insecure, caData, caFile, operatorTrusted } = this.endpoint;
    const key = JSON.stringify([apiUrl, insecure, caData ?? '', caFile ?? '', operatorTrusted === true]);
    let dispatcher = dispatchers.get(key);
    if (!dispatcher) {
      const tls = { rejectUnauthorized: !insecure, ...this.extraCertificates(scope) };
      // `connect` applies without a proxy, `requestTls` to the tunnelled connection through one.
      // A registry an annotation names connects to public addresses only (see egress.ts).
      const connect = operatorTrusted ? tls : checkedConnector(tls, PUBLIC_ONLY);
      // Without a proxy in the environment a plain agent: the proxy agent reads NO_PROXY on every request.
      dispatcher = proxyConfigured()
        ? new EnvHttpProxyAgent({ connect, requestTls: tls, keepAliveTimeout: 10_000 })
        : new Agent({ connect, keepAliveTimeout: 10_000 });
      dispatchers.set(key, dispatcher);
    }
    return dispatcher;
  }

  private extraCertificates(scope: ErrorScope): { ca?: string[] } {
    const { caData, caFile } = this.endpoint;
    if (!caData && !caFile) return {};
    const extra: string[] = [];
    if (caData) extra.push(caData);
    if (caFile) {
      try {
        extra.push(readFileSync(caFile, 'utf8'));
      } catch (error) {
        throw new RegistryError(scope, `cannot read ca_file ${caFile}: ${(error as Error).message}`);
      }
    }
    // Node replaces its trusted roots with `ca`: keep the public ones beside the registry's own.
    return { ca: [...rootCertificates, ...extra] };
  }
}

function proxyConfigured(): boolean {
  return ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'].some((name) => Boolean(process.env[name]));
}

/** Closes pooled connections (tests and scripts that want the event loop to drain at once). */
export async function closeRegistryConnections(): Promise<void> {
  const open = [...dispatchers.values()];
  dispatchers.clear();
  resolvedBaseUrls.clear();
  await Promise.all(open.map((dispatcher) => dispatcher.close()));
}

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Query strings may carry tokens on some registries' redirects; logs and errors show the path only. */
function redactUrl(url: string): string {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (!parsed) return url;
  const keep = new URLSearchParams();
  for (const name of ['n', 'last', 'service', 'scope']) {
    const value = parsed.searchParams.get(name);
    if (value !== null) keep.set(name, value);
  }
  const query = keep.toString();
  return `${parsed.origin}${parsed.pathname}${query ? `?${query}` : ''}`;
}

/** The system or TLS error code under a failed request ("fetch failed" → cause), if any. */
function failureCode(error: unknown): string | undefined {
  let current: unknown = error;
  while (current instanceof Error) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return undefined;
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

function isTimeout(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return error.name === 'TimeoutError' || error.name === 'AbortError' || TIMEOUT_CODES.has(String((error as NodeJS.ErrnoException).code));
}

function withoutAuthorization(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'));
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (isTimeout(error)) {
    return `no answer within ${Math.round(timeoutMs / 1000)} s`;
  }
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = failureCode(error);
  const message = cause instanceof Error ? cause.message : String(cause);
  const detail = code && !message.includes(code) ? `${message} (${code})` : message;
  if (code && TLS_ERROR_CODES.has(code)) {
    return `TLS certificate verification failed: ${detail}; trust the registry's CA with ca_data or ca_file, or set insecure`;
  }
  return `request failed: ${detail}`;
}
