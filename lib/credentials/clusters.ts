// Which EKS clusters one deployment serves, read from the environment.
import * as z from '../zod';

/** One cluster the function updates Applications in. */
export interface ClusterTarget {
  name: string;
  region: string;
  /** IAM role to assume first, for a cluster in another account. */
  roleArn?: string;
  /** The external id that role's trust policy requires. */
  externalId?: string;
}

export const CLUSTERS_VARIABLE = 'IMAGE_UPDATER_CLUSTERS';

const clusterName = z.string().check(z.regex(/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/, 'is not an EKS cluster name'));
const region = z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'is not an AWS region'));
const clusterEntries = z.array(
  z.strictObject({
    name: clusterName,
    region: z.optional(region),
    roleArn: z.optional(z.string().check(z.regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'is not an IAM role ARN'))),
    externalId: z.optional(z.string().check(z.minLength(2), z.maxLength(1224))),
  }),
);

/**
 * The clusters to serve, from `IMAGE_UPDATER_CLUSTERS`, the one variable that names them:
 * - comma-separated cluster names, in `AWS_REGION` and reached with the function's own role:
 *   `prod` or `prod,staging`;
 * - or a JSON array of `{ name, region?, roleArn?, externalId? }` (a value starting with `[`):
 *   `[{"name":"prod","region":"eu-west-1","roleArn":"arn:aws:iam::123456789012:role/updater","externalId":"x"}]`.
 * `region` defaults to `AWS_REGION`. Every error names the variable and the offending value.
 */
export function clustersFromEnv(env: NodeJS.ProcessEnv = process.env): ClusterTarget[] {
  const raw = env[CLUSTERS_VARIABLE]?.trim() ?? '';
  const fail = (reason: string): never => {
    throw new Error(`${CLUSTERS_VARIABLE}=${JSON.stringify(raw)}: ${reason}`);
  };
  if (raw === '') {
    return fail(
      'not set: give the EKS cluster name(s), comma-separated, or a JSON array of {name, region, roleArn, externalId}; ' +
        'or, run locally (serverless invoke local), set KUBECONFIG',
    );
  }
  const entries: unknown = raw.startsWith('[')
    ? parseJson(raw, fail)
    : raw.split(',').map((name) => ({ name: name.trim() }));
  const parsed = clusterEntries.safeParse(entries);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail(issue ? describeIssue(entries, issue) : 'invalid');
  }
  if (parsed.data.length === 0) return fail('lists no cluster');

  const defaultRegion = env.AWS_REGION?.trim() || undefined;
  const clusters = parsed.data.map((entry): ClusterTarget => {
    const clusterRegion = entry.region ?? defaultRegion;
    if (!clusterRegion) return fail(`cluster ${entry.name} has no region and AWS_REGION is not set`);
    return { ...entry, region: clusterRegion };
  });
  const seen = new Set<string>();
  for (const cluster of clusters) {
    const key = `${cluster.region}/${cluster.name}`;
    if (seen.has(key)) fail(`cluster ${cluster.name} in ${cluster.region} is listed twice`);
    seen.add(key);
  }
  return clusters;
}

function describeIssue(entries: unknown, issue: z.core.$ZodIssue): string {
  const [index, field] = issue.path;
  const where = typeof index === 'number' ? `cluster #${index + 1}` : 'the value';
  if (field === undefined) return `${where}: ${issue.message}`;
  const value = (entries as Record<string, unknown>[])[index as number]?.[String(field)];
  return `${where}: ${String(field)} ${JSON.stringify(value)} ${issue.message}`;
}

function parseJson(raw: string, fail: (reason: string) => never): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch (error) {
    return fail(`not valid JSON (${(error as Error).message})`);
  }
}
