// distribution 2.8 ignores `n` and `last` on tags/list and sends every tag at once. This proxy in
// front of a plain-http test registry pages tag lists the way other registries do, so pagination
// runs against real answers: `link` style (distribution 3, Docker Hub) sends `Link: rel="next"`,
// `ghcr` style pages by `n`/`last` without ever sending a Link header.
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningRegistry } from './registry-server';

export interface PagingProxy {
  host: string;
  url: string;
  stop(): Promise<void>;
}

export async function startPagingProxy(registry: RunningRegistry, style: 'link' | 'ghcr'): Promise<PagingProxy> {
  if (!registry.url.startsWith('http:')) throw new Error('the paging proxy fronts plain-http registries only');
  const upstream = new URL(registry.url);
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', registry.url);
    const tagList = /^\/v2\/(.+)\/tags\/list$/.exec(url.pathname);
    forward(request, upstream, (upstreamResponse, body) => {
      if (!tagList || upstreamResponse.statusCode !== 200) return relay(response, upstreamResponse, body);
      const document = JSON.parse(body.toString()) as { name: string; tags: string[] | null };
      const all = (document.tags ?? []).sort();
      const last = url.searchParams.get('last');
      const size = Number(url.searchParams.get('n') ?? all.length) || all.length;
      const rest = last === null ? all : all.filter((tag) => tag > last);
      const page = rest.slice(0, size);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (style === 'link' && rest.length > page.length) {
        const next = new URLSearchParams({ n: String(size), last: page.at(-1) ?? '' });
        headers.link = `<${url.pathname}?${next.toString()}>; rel="next"`;
      }
      response.writeHead(200, headers);
      response.end(JSON.stringify({ name: document.name, tags: page }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    url: `http://${host}`,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function forward(request: IncomingMessage, upstream: URL, done: (response: IncomingMessage, body: Buffer) => void): void {
  const outgoing = httpRequest(
    { host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: { ...request.headers, host: upstream.host } },
    (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => done(response, Buffer.concat(chunks)));
    },
  );
  request.pipe(outgoing);
}

function relay(response: ServerResponse, upstreamResponse: IncomingMessage, body: Buffer): void {
  const headers = { ...upstreamResponse.headers };
  delete headers['transfer-encoding'];
  headers['content-length'] = String(body.length);
  response.writeHead(upstreamResponse.statusCode ?? 502, headers);
  response.end(body);
}
