// A reverse proxy in front of the registry and its token server that adds a fixed latency to every
// request (a registry across the internet rather than on loopback) and counts requests by kind.
// The registry's Bearer challenge names the token server directly; the proxy rewrites its realm so
// that token requests come through the proxy too and are delayed and counted like the others.
import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningRegistry } from '../../test/support/registry';
import { emptyCounts, type RequestCounts } from '../counts';

export interface LatencyProxy {
  /** `127.0.0.1:PORT` */
  host: string;
  url: string;
  /** Requests by kind since the proxy started (a copy). */
  counts(): RequestCounts;
  stop(): Promise<void>;
}

export function classify(method: string, path: string): keyof RequestCounts {
  if (!path.startsWith('/v2/')) return 'token';
  if (path === '/v2/' || path === '/v2') return 'ping';
  if (/^\/v2\/.+\/tags\/list$/.test(path)) return 'tags';
  if (/^\/v2\/.+\/manifests\/[^/]+$/.test(path)) return method === 'HEAD' ? 'manifest-head' : 'manifest-get';
  if (/^\/v2\/.+\/blobs\/[^/]+$/.test(path)) return 'blob';
  return 'other';
}

export async function startLatencyProxy(registry: RunningRegistry, options: { latencyMs: number }): Promise<LatencyProxy> {
  if (!registry.url.startsWith('http:')) throw new Error('the latency proxy fronts plain-http registries only');
  const upstream = new URL(registry.url);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const counts = emptyCounts();
  let proxyUrl = '';
  /** Origin of the token server, learnt from the first challenge. */
  let tokenOrigin: URL | undefined;

  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://proxy').pathname;
    const kind = classify(request.method ?? 'GET', path);
    counts[kind] += 1;
    const target = kind === 'token' ? tokenOrigin : upstream;
    setTimeout(() => {
      if (!target) {
        response.writeHead(502).end('token server not known yet');
        return;
      }
      forward(request, response, target);
    }, options.latencyMs);
  });

  function forward(request: IncomingMessage, response: ServerResponse, target: URL): void {
    const outgoing = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: request.method,
        path: request.url,
        headers: { ...request.headers, host: target.host },
        agent,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, rewriteChallenge(answer.headers));
        answer.pipe(response);
      },
    );
    outgoing.on('error', (error) => {
      if (!response.headersSent) response.writeHead(502);
      response.end(String(error));
    });
    request.pipe(outgoing);
  }

  /** Points the Bearer realm at the proxy, remembering where the token server really is. */
  function rewriteChallenge(headers: IncomingHttpHeaders): IncomingHttpHeaders {
    const challenge = headers['www-authenticate'];
    if (typeof challenge !== 'string') return headers;
    const rewritten = challenge.replace(/realm="([^"]+)"/i, (_match, realm: string) => {
      const original = new URL(realm);
      tokenOrigin = new URL(original.origin);
      return `realm="${proxyUrl}${original.pathname}"`;
    });
    return { ...headers, 'www-authenticate': rewritten };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxyUrl = `http://${host}`;
  return {
    host,
    url: proxyUrl,
    counts: () => ({ ...counts }),
    stop: () =>
      new Promise((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
