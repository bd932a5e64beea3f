// Messages between the bench (parent) and the process that runs the fleet's invocations (child).

/** What the child needs to call the handler as the Lambda runtime does. */
export interface FleetChildSettings {
  /** The handler's environment (IMAGE_UPDATER_*, AWS_REGION). */
  env: Record<string, string>;
  /** The fake EKS endpoint answering DescribeCluster. */
  awsEndpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Environment variable holding `user:pass` for the registry, as registries.conf names it. */
  credentialsVariable: string;
  registryCredentials: string;
}

export interface InvocationMeasurement {
  wallMs: number;
  /** CPU time (user + system) the child spent during the invocation. */
  cpuMs: number;
  /** process.resourceUsage().maxRSS after the invocation, KiB. */
  maxRssKiB: number;
  /** Bytes and lines the invocation wrote to stdout and stderr (Powertools logs, EMF): what CloudWatch Logs ingests. */
  logBytes: number;
  logLines: number;
  /** Clusters the handler reported on, and those among them that failed. */
  clusters: number;
  failedClusters: string[];
  /** Sums over the clusters' summaries. */
  applications: number;
  imagesConsidered: number;
  imagesUpdated: number;
  errors: number;
  notReached: number;
  /** `namespace/name alias → image` of each update logged. */
  updates: { app: string; alias: string; to: string }[];
  /** The first few warning and error lines, to explain a failed check. */
  problems: string[];
}

export type FleetParentMessage =
  /** `clusters`: a cluster group's scheduled event; none: every configured cluster. */
  | { type: 'invoke'; clusters?: string[] }
  | { type: 'exit' };

export type FleetChildMessage =
  | { type: 'ready' }
  | { type: 'done'; measurement: InvocationMeasurement }
  | { type: 'failed'; message: string };
