// The scheduled Lambda: one update cycle per configured EKS cluster, a few clusters at a time,
// each isolated from the others' failures. Thin by design: configuration, credentials and the
// run's budget here; the cycle lives in lib/.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Context } from 'aws-lambda';
import * as z from '../lib/zod';
import { CLUSTERS_VARIABLE, clustersFromEnv, type ClusterTarget } from '../lib/credentials/clusters';
import { clusterKubeConfig, type ClusterConnectionOptions } from '../lib/credentials/eks-cluster';
import { optionsFromEnv, type CycleOptions } from '../lib/config';
import { runCycle } from '../lib/cycle';
import { lambdaBudget, type RunBudget } from '../lib/deadline';
import { kubeconfigPath, loadKubeConfig } from '../lib/kube/kubeconfig';
import { mapLimited } from '../lib/map-limited';
import type { CycleSummary } from '../lib/model';
import { createLogger, type AppLogger } from '../lib/report/logger';
import { publishCycleMetrics } from '../lib/report/metrics';
import { redact } from '../lib/report/secrets';
import { RegistryWork } from '../lib/resolve/registry-work';
import { isEcrEvent, readEcrEvent } from '../lib/push/ecr-push';
import type { PushedRepository } from '../lib/push/pushed-repository';
import { isRegistryPushEvent, readRegistryPushEvent } from '../lib/push/registry-push-event';

export type ClusterOutcome = { cluster: string; summary: CycleSummary } | { cluster: string; error: string };

export interface UpdateImagesResult {
  clusters: ClusterOutcome[];
}

export interface HandlerDependencies {
  /** Where the IMAGE_UPDATER_* settings are read from; default: process.env. */
  env?: NodeJS.ProcessEnv;
  connection?: ClusterConnectionOptions;
}

/** Clusters whose cycles run at the same time; each runs up to IMAGE_UPDATER_MAX_CONCURRENCY applications. */
const CLUSTER_CONCURRENCY = 4;

/** What a manual invocation may change, e.g. `{"dryRun": true, "clusters": ["staging"]}`. */
const manualOverrides = z.strictObject({
  dryRun: z.optional(z.boolean()),
  clusters: z.optional(z.array(z.string().check(z.minLength(1))).check(z.minLength(1))),
  applicationNamespace: z.optional(z.string().check(z.minLength(1))),
  matchApplicationName: z.optional(z.array(z.string().check(z.minLength(1)))),
  matchApplicationLabel: z.optional(z.string().check(z.minLength(1))),
});
type ManualOverrides = z.infer<typeof manualOverrides>;

/** Run locally (`serverless invoke local`, a test), a kubeconfig's current context stands in for EKS. */
interface LocalCluster {
  name: string;
  kubeconfigPath: string;
}

type Cluster = ClusterTarget | LocalCluster;

interface Settings {
  options: CycleOptions;
  clusters: Cluster[];
  log: AppLogger;
}

interface Invocation {
  overrides: ManualOverrides;
  /** The EventBridge event's time for scheduled runs. */
  scheduledAt?: Date;
  /** An ECR push or a registry's verified webhook: only the applications tracking that repository. */
  pushed?: PushedRepository;
  /** An event that starts no work, and why. */
  ignored?: string;
}

export function createHandler(dependencies: HandlerDependencies = {}) {
  let settings: Settings | undefined; // read once per cold start

  return async function updateImages(event: unknown, context: Context): Promise<UpdateImagesResult> {
    const budget = lambdaBudget(() => context.getRemainingTimeInMillis());
    settings ??= readSettings(dependencies.env ?? process.env);
    const { log } = settings;
    log.powertools.addContext(context);
    const { overrides, scheduledAt, pushed, ignored } = readInvocation(event);
    if (ignored) {
      log.info(ignored);
      return { clusters: [] };
    }
    const { clusters: only, ...optionOverrides } = overrides;
    const options: CycleOptions = { ...settings.options, ...optionOverrides };
    const clusters = only ? selectClusters(settings.clusters, only) : settings.clusters;
    if (!scheduledAt && (only || Object.keys(optionOverrides).length > 0)) log.info('manual run with overrides', { overrides });

    // One tag list per (registry, repository, credentials) in this invocation, whatever the clusters.
    const registryWork = new RegistryWork();
    const outcomes = await mapLimited(clusters, CLUSTER_CONCURRENCY, (cluster) =>
      updateCluster(cluster, options, { log: log.child({ cluster: cluster.name }), budget, registryWork, scheduledAt, pushed, dependencies }),
    );
    return { clusters: outcomes };
  };
}

/** The function EventBridge invokes. */
export const handler = createHandler();

async function updateCluster(
  cluster: Cluster,
  options: CycleOptions,
  run: { log: AppLogger; budget: RunBudget; registryWork: RegistryWork; scheduledAt?: Date; pushed?: PushedRepository; dependencies: HandlerDependencies },
): Promise<ClusterOutcome> {
  const started = Date.now();
  try {
    const kubeConfig = await connect(cluster, run.dependencies, run.budget.hardDeadline);
    const { log, budget, registryWork, scheduledAt, pushed } = run;
    const summary = await runCycle(kubeConfig, options, { log, budget, registryWork, now: scheduledAt, cluster: cluster.name, pushed });
    publishCycleMetrics(summary, { cluster: cluster.name });
    return { cluster: cluster.name, summary };
  } catch (error) {
    // One unreachable cluster must not keep the others from their cycle.
    const message = redact((error as Error).message);
    const where = 'kubeconfigPath' in cluster ? { kubeconfig: cluster.kubeconfigPath } : { region: cluster.region, roleArn: cluster.roleArn };
    run.log.error(`cycle failed for cluster ${cluster.name}: ${message}`, where);
    publishCycleMetrics(failedCycle(options.dryRun, Date.now() - started), { cluster: cluster.name });
    return { cluster: cluster.name, error: message };
  }
}

function connect(cluster: Cluster, dependencies: HandlerDependencies, deadline: number): Promise<KubeConfig> {
  if ('kubeconfigPath' in cluster) return Promise.resolve(loadKubeConfig(cluster.kubeconfigPath));
  return clusterKubeConfig(cluster, dependencies.connection, deadline);
}

function readSettings(env: NodeJS.ProcessEnv): Settings {
  const options = optionsFromEnv(env);
  return { options, clusters: clustersOf(env), log: createLogger({ level: options.logLevel }) };
}

/** IMAGE_UPDATER_CLUSTERS names EKS clusters; without it, a KUBECONFIG (local runs only) serves. */
function clustersOf(env: NodeJS.ProcessEnv): Cluster[] {
  const path = env[CLUSTERS_VARIABLE]?.trim() || !env.KUBECONFIG ? undefined : kubeconfigPath(undefined, env);
  if (!path) return clustersFromEnv(env);
  return [{ name: loadKubeConfig(path).getCurrentContext(), kubeconfigPath: path }];
}

/**
 * A scheduled EventBridge event carries no overrides but, from a cluster group's schedule, the
 * group's clusters; a push (ECR's event, or a registry webhook's `Registry Push`) names a
 * repository; anything else must be a manual-run object.
 */
function readInvocation(event: unknown): Invocation {
  if (isEcrEvent(event)) {
    const reading = readEcrEvent(event);
    return reading.kind === 'push' ? { overrides: {}, pushed: reading.pushed } : { overrides: {}, ignored: reading.reason };
  }
  if (isRegistryPushEvent(event)) return { overrides: {}, pushed: readRegistryPushEvent(event).pushed };
  if (isScheduledEvent(event)) {
    const group = scheduledGroup.safeParse(event);
    if (!group.success) throw new Error(`invalid scheduled event: clusters must be a list of cluster names, got ${JSON.stringify(event.clusters)}`);
    return { overrides: group.data.clusters ? { clusters: group.data.clusters } : {}, scheduledAt: new Date(event.time) };
  }
  const parsed = manualOverrides.safeParse(event ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'event'}: ${issue.message}`);
    throw new Error(
      `invalid invocation event ${JSON.stringify(event)}: ${problems.join('; ')}. ` +
        `Expected a scheduled event or {${Object.keys(manualOverrides.shape).join(', ')}}`,
    );
  }
  return { overrides: parsed.data };
}

/** The clusters a cluster group's schedule names in its input (infra/stack.cjs scheduleEvents). */
const scheduledGroup = z.object({ clusters: manualOverrides.shape.clusters });

function isScheduledEvent(event: unknown): event is { time: string; clusters?: unknown } {
  if (typeof event !== 'object' || event === null) return false;
  const { source, time } = event as Record<string, unknown>;
  return source === 'aws.events' && typeof time === 'string' && !Number.isNaN(Date.parse(time));
}

function selectClusters(configured: Cluster[], names: string[]): Cluster[] {
  const unknown = names.filter((name) => !configured.some((cluster) => cluster.name === name));
  if (unknown.length > 0) {
    throw new Error(`invalid invocation event: clusters ${unknown.join(', ')} not configured (configured: ${configured.map((c) => c.name).join(', ')})`);
  }
  return configured.filter((cluster) => names.includes(cluster.name));
}

/** The metrics of a cycle that could not start, so the errors alarm sees an unreachable cluster. */
function failedCycle(dryRun: boolean, durationMs: number): CycleSummary {
  return {
    applications: 0,
    imagesConsidered: 0,
    imagesSkipped: 0,
    imagesUpdated: 0,
    imagesReverted: 0,
    errors: 1,
    notReached: [],
    notDue: 0,
    registryRequests: 0,
    durationMs,
    dryRun,
  };
}
