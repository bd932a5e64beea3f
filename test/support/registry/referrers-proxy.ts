// distribution 2.8 has no OCI referrers API. This proxy in front of a plain-http test registry
// answers `GET /v2/<name>/referrers/<digest>` with an OCI index of the referrers a test registered
// (an empty index for a digest without any, as OCI 1.1 registries do) and passes every other
// request to the registry unchanged.
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningRegistry } from './registry-server';

export interface ReferrerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType: string;
}

export interface ReferrersProxy {
  host: string;
  url: string;
  /** Lists `descriptor` among the referrers of `repository@subject`. */
  addReferrer(repository: string, subject: string, descriptor: ReferrerDescriptor): void;
  /** The referrers requests served, as `<repository>@<digest>`. */
  served: string[];
  stop(): Promise<void>;
}

export async function startReferrersProxy(registry: RunningRegistry): Promise<ReferrersProxy> {
  if (!registry.url.startsWith('http:')) throw new Error('the referrers proxy fronts plain-http registries only');
  const upstream = new URL(registry.url);
  const referrers = new Map<string, ReferrerDescriptor[]>();
  const served: string[] = [];
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', registry.url).pathname;
    const asked = /^\/v2\/(.+)\/referrers\/(sha256:[a-f0-9]{64})$/.exec(path);
    if (asked && request.method === 'GET') {
      const key = `${asked[1]}@${asked[2]}`;
      served.push(key);
      const body = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: referrers.get(key) ?? [] });
      response.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json', 'content-length': String(Buffer.byteLength(body)) });
      response.end(body);
      return;
    }
    const outgoing = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: { ...request.headers, host: upstream.host } },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    outgoing.on('error', () => response.destroy());
    request.pipe(outgoing);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    url: `http://${host}`,
    served,
    addReferrer: (repository, subject, descriptor) => {
      const key = `${repository}@${subject}`;
      referrers.set(key, [...(referrers.get(key) ?? []), descriptor]);
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
