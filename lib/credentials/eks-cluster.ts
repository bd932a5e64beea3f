// A KubeConfig for one EKS cluster: endpoint and CA from DescribeCluster, a bearer token minted
// locally. Kept in module memory, so warm invocations reuse it until the token is due for renewal.
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { KubeConfig, type Cluster, type Context, type User } from '@kubernetes/client-node';
import { withinLimits } from '../deadline';
import type { ClusterTarget } from './clusters';
import { createEksToken, type AwsCredentials } from './eks-token';

export interface ClusterConnectionOptions {
  /** The function's own credentials; default: the Node.js provider chain (the Lambda role). */
  credentials?: AwsCredentials;
  /** One endpoint for the EKS and STS calls instead of AWS's (tests: moto_server). */
  awsEndpoint?: string;
  now?: Date;
}

interface Connection {
  kubeConfig: KubeConfig;
  /** The token's renewal time: one minute before EKS stops accepting it. */
  renewAt: Date;
}

const ROLE_SESSION_NAME = 'image-updater';
/** AssumeRole and DescribeCluster together: both answer in well under a second when healthy. */
const CONNECT_TIMEOUT_MS = 15_000;
const connections = new Map<string, Connection>();
let functionCredentials: AwsCredentials | undefined;

/** The KubeConfig to reach `cluster` with, reused while its token is valid; `deadline`: the run's hard deadline. */
export async function clusterKubeConfig(cluster: ClusterTarget, options: ClusterConnectionOptions = {}, deadline?: number): Promise<KubeConfig> {
  const now = options.now ?? new Date();
  const key = JSON.stringify([cluster.region, cluster.name, cluster.roleArn, cluster.externalId, options.awsEndpoint]);
  const cached = connections.get(key);
  if (cached && now < cached.renewAt) return cached.kubeConfig;
  connections.delete(key);
  try {
    const what = cluster.roleArn ? 'AssumeRole and DescribeCluster' : 'DescribeCluster';
    const connection = await withinLimits((signal) => connect(cluster, options, now, signal), { what, timeoutMs: CONNECT_TIMEOUT_MS, deadline });
    connections.set(key, connection);
    return connection.kubeConfig;
  } catch (error) {
    const via = cluster.roleArn ? ` as ${cluster.roleArn}` : '';
    throw new Error(`cluster ${cluster.name} in ${cluster.region}${via}: ${(error as Error).message}`, { cause: error });
  }
}

async function connect(cluster: ClusterTarget, options: ClusterConnectionOptions, now: Date, abortSignal: AbortSignal): Promise<Connection> {
  const credentials = await resolveCredentials(cluster, options);
  const eks = new EKSClient({ region: cluster.region, credentials, endpoint: options.awsEndpoint });
  const described = await eks
    .send(new DescribeClusterCommand({ name: cluster.name }), { abortSignal })
    .catch((error: Error) => Promise.reject(new Error(`DescribeCluster failed: ${error.message}`, { cause: error })));
  const endpoint = described.cluster?.endpoint;
  const caData = described.cluster?.certificateAuthority?.data;
  if (!endpoint || !caData) {
    throw new Error(`DescribeCluster returned no endpoint or CA (status ${described.cluster?.status ?? 'unknown'})`);
  }
  const { token, expiresAt } = await createEksToken({
    // Local clusters on Outposts are identified by id, cloud clusters (which have none) by name.
    clusterName: described.cluster?.id ?? cluster.name,
    region: cluster.region,
    credentials,
    now,
  });
  const kubeCluster: Cluster = { name: cluster.name, server: endpoint, caData, skipTLSVerify: false };
  const user: User = { name: `${cluster.name}-image-updater`, token };
  const context: Context = { name: cluster.name, cluster: kubeCluster.name, user: user.name };
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({ clusters: [kubeCluster], users: [user], contexts: [context], currentContext: context.name });
  return { kubeConfig, renewAt: expiresAt };
}

/** Credentials resolved once per connection, so an assumed role costs one AssumeRole per renewal. */
async function resolveCredentials(cluster: ClusterTarget, options: ClusterConnectionOptions) {
  const base = options.credentials ?? (functionCredentials ??= fromNodeProviderChain());
  const provider = cluster.roleArn
    ? fromTemporaryCredentials({
        params: { RoleArn: cluster.roleArn, ExternalId: cluster.externalId, RoleSessionName: ROLE_SESSION_NAME },
        masterCredentials: base,
        clientConfig: { region: cluster.region, endpoint: options.awsEndpoint },
      })
    : base;
  return typeof provider === 'function' ? provider() : provider;
}
