// A stand-in for EKS's DescribeCluster (REST: GET /clusters/{name}) that names the fleet's
// Kubernetes API doubles, so the handler connects to its clusters as on AWS: DescribeCluster, then
// a locally presigned EKS token that each double verifies. Loopback only.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EksCluster {
  name: string;
  endpoint: string;
  caPem: string;
}

export interface EksEndpoint {
  url: string;
  describeCalls(): number;
  stop(): Promise<void>;
}

export async function startEksEndpoint(clusters: readonly EksCluster[]): Promise<EksEndpoint> {
  const byName = new Map(clusters.map((cluster) => [cluster.name, cluster]));
  let calls = 0;
  const server = createServer((request, response) => {
    request.resume();
    const name = /^\/clusters\/([^/?]+)/.exec(request.url ?? '')?.[1];
    const cluster = request.method === 'GET' && name ? byName.get(decodeURIComponent(name)) : undefined;
    response.setHeader('Content-Type', 'application/json');
    if (!cluster) {
      response.statusCode = 404;
      response.setHeader('x-amzn-ErrorType', 'ResourceNotFoundException');
      response.end(JSON.stringify({ message: `No cluster found for name: ${name ?? ''}.` }));
      return;
    }
    calls += 1;
    response.end(
      JSON.stringify({
        cluster: {
          name: cluster.name,
          endpoint: cluster.endpoint,
          status: 'ACTIVE',
          certificateAuthority: { data: Buffer.from(cluster.caPem).toString('base64') },
        },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    describeCalls: () => calls,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
