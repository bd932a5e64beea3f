// The fleet's Markdown: each invocation's requests next to the floor across clusters, its CPU and
// projected Lambda duration, the checks, and the monthly cost of the deployments it stands for.
import { REQUEST_KINDS, totalRequests, type RequestCounts } from '../counts';
import { lambdaHeapFlags, vcpuShare, type LambdaSettings } from '../lambda';
import type { SizeResult } from '../measure-size';
import { count, kilobytes, megabytes, percent, ratioText, seconds, table } from '../report';
import { INVOCATIONS_PER_SCHEDULE, MEMORY_SIZES_MB, PRICES, monthlyCost, projectedDurationMs, type InvocationProfile } from './cost';
import type { FleetInvocationResult, FleetResult } from './measure-fleet';

/** The single-cluster row of the cost table. */
const SINGLE_CLUSTER_APPS = 1000;

export interface FleetReportContext {
  fleet: FleetResult;
  lambda: LambdaSettings;
  latencyMs: number;
  /** CPU cores of this machine, shared by the handler, the registry, the proxy and the API doubles. */
  cores: number;
  /** The cycles measured in the same run: the 1,000-app one, when run, prices a single cluster. */
  sizes: SizeResult[];
}

export function renderFleet(context: FleetReportContext): string {
  const { fleet } = context;
  const warm = fleet.invocations.find((invocation) => invocation.name === 'warm');
  return [
    '## Fleet',
    '',
    describeFleet(context),
    '',
    invocationsTable(fleet.invocations),
    '',
    kindsTable(fleet.invocations),
    '',
    durationsTable(fleet.invocations, context),
    '',
    `Projected duration: the invocation's CPU time divided by the vCPU share of the memory size (1 vCPU per 1,769 MB), ` +
      `never less than the wall time measured here: an estimate (Graviton cores are not this machine's), not a measurement on Lambda. ` +
      `⚠️ marks a projection over the ${context.lambda.timeoutSeconds} s timeout, where the deadline would leave applications to the next run. ` +
      `"Machine busy" counts the bench's own processes only (other jobs on this machine are not in it); when it nears 100 %, the wall time here measures this machine's CPU (registry, proxy and API doubles share it ` +
      `with the handler) more than the ${context.latencyMs} ms latency, and the wall-time floor overstates the larger memory sizes.`,
    '',
    checks(fleet.invocations),
    '',
    ...(warm ? ['## Cost', '', renderCost(context, warm), ''] : []),
  ].join('\n');
}

function describeFleet({ fleet, lambda, latencyMs }: FleetReportContext): string {
  const groupSize = Math.ceil(fleet.clusters / fleet.groups);
  return [
    `${count(fleet.clusters * fleet.appsPerCluster)} applications (${count(fleet.images)} images) over ${fleet.clusters} clusters of ${count(fleet.appsPerCluster)}, ` +
      `one workload (the cycles' mix) over ${fleet.repositories} repositories shared by every cluster, registry at ${latencyMs} ms a request. ` +
      `Each cluster is a Kubernetes API double that accepts only a valid EKS token for it, found through DescribeCluster on a local stand-in for EKS. ` +
      `The Lambda handler itself (\`createHandler\`, bundled like the function, heap flags of ${lambda.memoryMb} MB: \`${lambdaHeapFlags(lambda.memoryMb).join(' ')}\`) ` +
      `runs in a fresh process with scheduled events: cold over every cluster, Argo CD syncs, warm over every cluster, then one warm invocation ` +
      `per group of ${groupSize} (a scheduled event naming the group's clusters, as \`clusterGroups\` deploys them). The handler runs clusters a few at a time ` +
      `with one RegistryWork per invocation; the remaining time it is given (15 min) lets every application be reached.`,
    '',
    'Floor across clusters: one ping, one tag list per repository per invocation whatever the number of clusters, tokens (cold only), ' +
      'newest-build metadata (cold only), one manifest HEAD per digest-tracked tag. "Clusters on their own": the sum of each cluster\'s floor, ' +
      'what the same clusters cost when nothing is shared between them.',
  ].join('\n');
}

function invocationsTable(invocations: FleetInvocationResult[]): string {
  const rows = invocations.map((invocation) => {
    const requests = totalRequests(invocation.registry);
    const { kube } = invocation;
    return [
      invocation.name,
      `${invocation.clusters}`,
      `${count(invocation.applications)} / ${count(invocation.images)}`,
      seconds(invocation.wallMs),
      count(requests),
      count(totalRequests(invocation.floor)),
      ratioText(requests / totalRequests(invocation.floor)),
      count(totalRequests(invocation.floorPerCluster)),
      `${count(kube.total)} (${kube.list} list, ${kube.patch} patch, ${kube.events} events${kube.get ? `, ${kube.get} get` : ''})`,
      `${invocation.describeClusterCalls}`,
      `${invocation.imagesUpdated}`,
      seconds(invocation.cpuMs),
      `${(invocation.cpuMs / invocation.applications).toFixed(3)} ms`,
      `${(invocation.cpuMs / requests).toFixed(2)} ms`,
      megabytes(invocation.maxRssKiB * 1024),
      `${kilobytes(invocation.logBytes)} (${count(invocation.logLines)} lines)`,
    ];
  });
  return table(
    [
      'Invocation',
      'Clusters',
      'Apps / images',
      'Wall time',
      'Registry requests',
      'Floor across clusters',
      'Ours/floor',
      'Floor, clusters on their own',
      'Kube API requests',
      'DescribeCluster',
      'Updated',
      'Cycle process CPU',
      'CPU per app',
      'CPU per registry request',
      'Peak RSS',
      'Log output',
    ],
    rows,
  );
}

function kindsTable(invocations: FleetInvocationResult[]): string {
  const rows = invocations
    .filter((invocation) => !invocation.name.startsWith('group ') || invocation.name.startsWith('group 1 '))
    .flatMap((invocation) => {
      const line = (who: string, counts: RequestCounts) => [invocation.name, who, ...REQUEST_KINDS.map((kind) => count(counts[kind])), count(totalRequests(counts))];
      return [line('**ours**', invocation.registry), line('floor across clusters', invocation.floor), line('clusters on their own', invocation.floorPerCluster)];
    });
  return table(['Invocation', 'Who', ...REQUEST_KINDS, 'total'], rows);
}

function durationsTable(invocations: FleetInvocationResult[], { lambda: { timeoutSeconds }, cores }: FleetReportContext): string {
  const rows = invocations.map((invocation) => [
    invocation.name,
    seconds(invocation.cpuMs),
    seconds(invocation.wallMs),
    invocation.registryCpuMs === undefined
      ? 'n/a'
      : percent((invocation.cpuMs + invocation.benchCpuMs + invocation.registryCpuMs) / (cores * invocation.wallMs)),
    ...MEMORY_SIZES_MB.map((memoryMb) => {
      const projected = projectedDurationMs(invocation, memoryMb);
      return `${seconds(projected)}${projected > timeoutSeconds * 1000 ? ' ⚠️' : ''}`;
    }),
  ]);
  return table(
    ['Invocation', 'CPU', 'Wall time here', `Machine busy (${cores} cores)`, ...MEMORY_SIZES_MB.map((memoryMb) => `Projected at ${count(memoryMb)} MB (${vcpuShare(memoryMb).toFixed(3)} vCPU)`)],
    rows,
  );
}

function checks(invocations: FleetInvocationResult[]): string {
  return invocations
    .map((invocation) => {
      const verdict =
        invocation.problems.length === 0
          ? `✅ every image of its ${invocation.clusters} cluster(s) considered, the ${invocation.expectedUpdates} expected update(s) made and nothing else, no errors`
          : `❌ ${invocation.problems.join('; ')}`;
      return `- Fleet ${invocation.name}: ${verdict}.`;
    })
    .join('\n');
}

interface Deployment {
  label: string;
  /** The invocations each minute: one per schedule. */
  schedules: InvocationProfile[];
  /** The peak RSS measured for it, KiB, and whether it is only a bound (a process that ran more than this deployment). */
  peakRssKiB: number;
  rssBound: boolean;
}

/** A peak RSS above this share of the memory size is close to Lambda's out-of-memory kill. */
const RSS_WARNING_SHARE = 0.85;

/** The monthly cost of one cluster, the fleet in one invocation, and the fleet as cluster groups, from warm (steady-state) runs. */
export function renderCost(context: FleetReportContext, warm: FleetInvocationResult): string {
  const { fleet } = context;
  const groups = fleet.invocations.filter((invocation) => invocation.name.startsWith('group '));
  const logBytesPerCluster = warm.logBytes / warm.clusters;
  const singleSize = context.sizes.find((size) => size.applications === SINGLE_CLUSTER_APPS);
  const measuredSingle = singleSize?.phases.warm;
  const scale = SINGLE_CLUSTER_APPS / warm.applications;
  const single: InvocationProfile = measuredSingle
    ? { cpuMs: measuredSingle.cpuMs, wallMs: measuredSingle.wallMs, logBytes: logBytesPerCluster }
    : { cpuMs: warm.cpuMs * scale, wallMs: warm.wallMs * scale, logBytes: logBytesPerCluster };
  const groupSize = Math.ceil(fleet.clusters / fleet.groups);
  const fleetRssKiB = Math.max(...fleet.invocations.map((invocation) => invocation.maxRssKiB));
  const deployments: Deployment[] = [
    {
      label: `1 cluster, ${count(SINGLE_CLUSTER_APPS)} apps${singleSize ? '' : ' (scaled from the fleet)'}`,
      schedules: [single],
      peakRssKiB: singleSize?.peakRssKiB ?? fleetRssKiB,
      rssBound: !singleSize,
    },
    { label: `${fleet.clusters} clusters, ${count(warm.applications)} apps, one invocation`, schedules: [warm], peakRssKiB: warm.maxRssKiB, rssBound: false },
    ...(groups.length > 1
      ? [{ label: `${fleet.clusters} clusters as ${groups.length} groups of ${groupSize} (\`clusterGroups\`)`, schedules: groups, peakRssKiB: fleetRssKiB, rssBound: true }]
      : []),
  ];
  const rows = deployments.flatMap((deployment) =>
    MEMORY_SIZES_MB.map((memoryMb) => {
      const cost = monthlyCost(deployment.schedules, memoryMb);
      const over = cost.longestMs > context.lambda.timeoutSeconds * 1000 ? ' ⚠️' : '';
      const rssBytes = deployment.peakRssKiB * 1024;
      const nearLimit = rssBytes > RSS_WARNING_SHARE * memoryMb * 2 ** 20 ? ' ⚠️' : '';
      return [
        deployment.label,
        `${count(memoryMb)} MB`,
        `${deployment.rssBound ? '≤ ' : ''}${megabytes(rssBytes)}${nearLimit}`,
        count(cost.invocations),
        `${seconds(cost.longestMs)}${over}`,
        count(Math.round(cost.gbSeconds)),
        dollars(cost.lambdaUsd),
        `${(cost.logBytes / 2 ** 30).toFixed(2)} GB, ${dollars(cost.logsUsd)}`,
        `**${dollars(cost.totalUsd)}**`,
      ];
    }),
  );
  return [
    `Assumptions: a schedule every minute (${count(INVOCATIONS_PER_SCHEDULE)} invocations a month), one schedule per cluster group; ` +
      `arm64 at $${PRICES.gbSecond} per GB-second and $0.20 per million requests (us-east-1); CloudWatch Logs ingestion $${PRICES.logGb.toFixed(2)} per GB. ` +
      `Durations are the projections above from warm (steady-state) invocations: ` +
      `${measuredSingle ? `1 cluster from this run's warm ${count(SINGLE_CLUSTER_APPS)}-app cycle` : `1 cluster scaled from the fleet's warm CPU and wall time per app`}, ` +
      `the fleet and its groups from the invocations above (a group's row: its slowest group's duration; the cost sums all). ` +
      `Log bytes as the handler wrote them in the warm invocations (${kilobytes(logBytesPerCluster)} a cluster; Lambda's own START/REPORT lines are ` +
      `not written at \`systemLogLevel: WARN\`); a run with updates logs one more line per update. A cold start (a new container) costs the cold ` +
      `invocation's duration once. Peak RSS as measured with the heap flags of ${context.lambda.memoryMb} MB (≤: the peak of a process that ` +
      `also ran the whole fleet); ⚠️ above ${percent(RSS_WARNING_SHARE)} of the memory size, near Lambda's out-of-memory kill.`,
    '',
    table(['Deployment', 'Memory', 'Peak RSS', 'Invocations a month', 'Duration (est.)', 'GB-s a month', 'Lambda', 'Log ingestion', 'Total a month'], rows),
  ].join('\n');
}

function dollars(usd: number): string {
  return `$${usd < 10 ? usd.toFixed(2) : usd.toFixed(0)}`;
}
