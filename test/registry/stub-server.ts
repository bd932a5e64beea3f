// A tiny HTTP server standing in for a registry where a real one cannot misbehave on demand.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubServer {
  url: string;
  requests: { method: string; path: string; authorization?: string }[];
  stop(): Promise<void>;
}

export async function startStub(handle: (request: IncomingMessage, response: ServerResponse, url: URL) => void): Promise<StubServer> {
  const requests: StubServer['requests'] = [];
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://stub');
    const entry: StubServer['requests'][number] = { method: request.method ?? 'GET', path: `${url.pathname}${url.search}` };
    if (request.headers.authorization) entry.authorization = request.headers.authorization;
    requests.push(entry);
    handle(request, response, url);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/** Stubs a test file starts; `stopAll` (in afterEach) stops them and closes pooled registry connections. */
export function stubPool(closeConnections: () => Promise<void>): { stub: typeof startStub; stopAll(): Promise<void> } {
  const started: StubServer[] = [];
  return {
    stub: async (handle) => {
      const server = await startStub(handle);
      started.push(server);
      return server;
    },
    stopAll: async () => {
      await Promise.all(started.splice(0).map((server) => server.stop()));
      await closeConnections();
    },
  };
}
