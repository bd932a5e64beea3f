// The fleet end to end: one shared workload split over many clusters (a Kubernetes API double
// each, reached through DescribeCluster and an EKS token as on AWS), the Lambda handler in a fresh
// child bundled like the Lambda: a cold invocation over every cluster, Argo CD syncs, a warm one,
// then one warm invocation per cluster group (the `clusterGroups` deployment: a schedule per group).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { verifyEksToken } from '../../test/support/aws/eks-token-verifier';
import { startKubeApi, type KubeApiDouble } from '../../test/support/kube-api';
import { DEFAULT_USER } from '../../test/support/registry';
import { childPid, ownCpuMs, processCpuMs } from '../cpu';
import { addCounts, emptyCounts, subtractCounts, type RequestCounts } from '../counts';
import { bundleLikeLambda, kubeCounts, MessageQueue, type KubeCounts } from '../cycle/run-size';
import { checkOutcome, CREDENTIALS_VARIABLE, NAMESPACE, PAGES_PER_TAG_LIST, REGISTRY_HOST, registriesConf, syncLiveImages } from '../measure-size';
import { floorRequests } from '../models/floor';
import type { Phase } from '../models/inputs';
import { repositoriesFor, type BenchOptions } from '../options';
import type { LatencyProxy } from '../registry/latency-proxy';
import { buildWorkload, repositoryName, type ExpectedUpdate, type TrackedImage } from '../workload/applications';
import { TAGS_PER_REPOSITORY } from '../workload/catalog';
import type { RegistrySeeder } from '../workload/push';
import type { FleetChildMessage, FleetChildSettings, FleetParentMessage, InvocationMeasurement } from './protocol';
import { startEksEndpoint } from './eks-endpoint';

/** The fleet deployment the cost table compares with one invocation for all: a schedule per group. */
const FLEET_GROUPS = 4;
const REGION = 'eu-west-1';
/** What the function's role would sign with; the API doubles verify the EKS tokens made from it. */
const FUNCTION_CREDENTIALS = { accessKeyId: 'AKIABENCHFLEET000001', secretAccessKey: 'bench-fleet-secret-key' };
/** The harness's registry, as /proc/<pid>/comm names it. */
const REGISTRY_COMMAND = 'docker-registry';

export interface FleetInvocationResult {
  /** `cold`, `warm`, `group 2 of 4`. */
  name: string;
  phase: Phase;
  clusters: number;
  applications: number;
  images: number;
  wallMs: number;
  cpuMs: number;
  maxRssKiB: number;
  logBytes: number;
  logLines: number;
  registry: RequestCounts;
  /** One tag list per repository per invocation, whatever the number of clusters. */
  floor: RequestCounts;
  /** What the clusters would need each on its own (no registry work shared between them). */
  floorPerCluster: RequestCounts;
  kube: KubeCounts;
  describeClusterCalls: number;
  imagesUpdated: number;
  expectedUpdates: number;
  /** CPU of the bench process (proxy, API doubles, EKS stand-in) and of the registry meanwhile. */
  benchCpuMs: number;
  registryCpuMs: number | undefined;
  problems: string[];
}

export interface FleetResult {
  clusters: number;
  appsPerCluster: number;
  repositories: number;
  images: number;
  groups: number;
  invocations: FleetInvocationResult[];
  pushMs: number;
  pushedTags: number;
}

export interface FleetEnvironment {
  options: BenchOptions;
  seeder: RegistrySeeder;
  proxy: LatencyProxy;
  /** Node flags of the handler's process (the Lambda runtime's heap sizing). */
  childFlags: string[];
  workDir: string;
  progress(message: string): void;
}

interface FleetCluster {
  name: string;
  kube: KubeApiDouble;
  images: TrackedImage[];
  expectedUpdates: ExpectedUpdate[];
}

export async function measureFleet(env: FleetEnvironment): Promise<FleetResult> {
  const { fleetClusters, fleetAppsPerCluster, seed } = env.options;
  const applications = fleetClusters * fleetAppsPerCluster;
  const repositories = repositoriesFor(applications);
  const pushStarted = performance.now();
  const pushed = await env.seeder.ensure(
    Array.from({ length: repositories }, (_, index) => repositoryName(index)),
    (done, total) => env.progress(`fleet: pushing ${TAGS_PER_REPOSITORY} tags to each new repository: ${done}/${total}`),
  );
  const pushMs = performance.now() - pushStarted;
  const workload = buildWorkload({
    applications,
    repositories,
    host: REGISTRY_HOST,
    namespace: NAMESPACE,
    seed,
    digestOf: (repository, tag) => env.seeder.digestOf(repository, tag),
  });

  const clusters: FleetCluster[] = [];
  const secrets = (accessKeyId: string) => (accessKeyId === FUNCTION_CREDENTIALS.accessKeyId ? FUNCTION_CREDENTIALS.secretAccessKey : undefined);
  try {
    for (let index = 0; index < fleetClusters; index++) {
      const name = `fleet-${String(index + 1).padStart(2, '0')}`;
      const apps = workload.apps.slice(index * fleetAppsPerCluster, (index + 1) * fleetAppsPerCluster);
      const keys = new Set(apps.map((app) => `${app.metadata.namespace}/${app.metadata.name}`));
      const kube = await startKubeApi({
        tls: true,
        imageUpdaterCrd: true,
        tokens: (token) => verifyEksToken(token, { clusterName: name, credentials: secrets, now: new Date() }),
      });
      clusters.push({
        name,
        kube,
        images: workload.images.filter((image) => keys.has(image.app)),
        expectedUpdates: workload.expectedUpdates.filter((update) => keys.has(update.app)),
      });
      for (const app of apps) kube.setApplication(app);
    }
    const groupSize = Math.ceil(fleetClusters / FLEET_GROUPS);
    const groups = Array.from({ length: Math.ceil(fleetClusters / groupSize) }, (_, index) => clusters.slice(index * groupSize, (index + 1) * groupSize));
    env.progress(
      `fleet: ${fleetClusters} clusters × ${fleetAppsPerCluster} apps, ${workload.images.length} images over ${repositories} repositories; ` +
        `cold and warm invocations over every cluster, then one per group of ${groupSize}`,
    );
    const invocations = await runInvocations(env, clusters, groups);
    return {
      clusters: fleetClusters,
      appsPerCluster: fleetAppsPerCluster,
      repositories,
      images: workload.images.length,
      groups: groups.length,
      invocations,
      pushMs,
      pushedTags: pushed * TAGS_PER_REPOSITORY,
    };
  } finally {
    await Promise.all(clusters.map((cluster) => cluster.kube.stop()));
  }
}

async function runInvocations(env: FleetEnvironment, clusters: FleetCluster[], groups: FleetCluster[][]): Promise<FleetInvocationResult[]> {
  const eks = await startEksEndpoint(
    clusters.map((cluster) => ({ name: cluster.name, endpoint: cluster.kube.url, caPem: cluster.kube.caPem ?? '' })),
  );
  const registriesConfPath = join(env.workDir, 'registries-fleet.conf');
  writeFileSync(registriesConfPath, registriesConf(env.proxy.url, env.options.auth === 'token'));
  const settings: FleetChildSettings = {
    env: {
      IMAGE_UPDATER_CLUSTERS: clusters.map((cluster) => cluster.name).join(','),
      IMAGE_UPDATER_REGISTRIES_CONF: registriesConfPath,
      AWS_REGION: REGION,
    },
    awsEndpoint: eks.url,
    credentials: FUNCTION_CREDENTIALS,
    credentialsVariable: CREDENTIALS_VARIABLE,
    registryCredentials: `${DEFAULT_USER.username}:${DEFAULT_USER.password}`,
  };
  const childPath = await bundleLikeLambda(join(import.meta.dirname, 'child.ts'), join(env.workDir, 'bench-fleet-child.mjs'), true);
  const child = spawn(process.execPath, [...env.childFlags, childPath], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // Lambda runs Node 22: the AWS SDK's warning for Node 20 (this machine) is not the function's output.
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', BENCH_FLEET_SETTINGS: JSON.stringify(settings) },
  });
  const messages = new MessageQueue<FleetChildMessage>(child);
  const send = (message: FleetParentMessage) => child.send(message);
  try {
    const ready = await messages.next();
    if (ready.type !== 'ready') throw new Error(`fleet child: expected ready, got ${ready.type}`);
    const invoke = async (
      name: string,
      phase: Phase,
      invoked: FleetCluster[],
      expected: ExpectedUpdate[],
      named: boolean,
    ): Promise<{ result: FleetInvocationResult; updates: InvocationMeasurement['updates'] }> => {
      const registryBefore = env.proxy.counts();
      const kubeBefore = invoked.map((cluster) => cluster.kube.requests().length);
      const describeBefore = eks.describeCalls();
      const registryPid = childPid(REGISTRY_COMMAND);
      const registryCpuBefore = registryPid === undefined ? undefined : processCpuMs(registryPid);
      const benchCpuBefore = ownCpuMs();
      send({ type: 'invoke', ...(named && { clusters: invoked.map((cluster) => cluster.name) }) });
      const done = await messages.next();
      const benchCpuMs = ownCpuMs() - benchCpuBefore;
      const registryCpuAfter = registryPid === undefined ? undefined : processCpuMs(registryPid);
      if (done.type === 'failed') throw new Error(`fleet ${name} invocation failed in the child: ${done.message}`);
      if (done.type !== 'done') throw new Error(`fleet child: expected done, got ${done.type}`);
      const kube = sumKubeCounts(invoked.map((cluster, index) => kubeCounts(cluster.kube.requests().slice(kubeBefore[index]))));
      const result = invocationResult(name, phase, invoked, done.measurement, expected, env.options.auth === 'token');
      const outcome = `${(result.wallMs / 1000).toFixed(2)} s, ${(result.cpuMs / 1000).toFixed(2)} s CPU`;
      env.progress(`fleet ${name}: ${outcome}${result.problems.length > 0 ? `; PROBLEMS: ${result.problems.join('; ')}` : ''}`);
      return {
        result: {
          ...result,
          registry: subtractCounts(env.proxy.counts(), registryBefore),
          kube,
          describeClusterCalls: eks.describeCalls() - describeBefore,
          benchCpuMs,
          registryCpuMs: registryCpuBefore === undefined || registryCpuAfter === undefined ? undefined : registryCpuAfter - registryCpuBefore,
        },
        updates: done.measurement.updates,
      };
    };

    const allExpected = clusters.flatMap((cluster) => cluster.expectedUpdates);
    const cold = await invoke('cold', 'cold', clusters, allExpected, false);
    // Argo CD syncs what the cold invocation wrote (each double holds its own apps and passes over the others'):
    // the next invocations have nothing to change.
    for (const cluster of clusters) syncLiveImages(cluster.kube, cold.updates);
    const warm = await invoke('warm', 'warm', clusters, [], false);
    const grouped: FleetInvocationResult[] = [];
    for (const [index, group] of groups.entries()) {
      grouped.push((await invoke(`group ${index + 1} of ${groups.length}`, 'warm', group, [], true)).result);
    }
    send({ type: 'exit' });
    await messages.exited;
    return [cold.result, warm.result, ...grouped];
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await eks.stop();
  }
}

function invocationResult(
  name: string,
  phase: Phase,
  invoked: FleetCluster[],
  measurement: InvocationMeasurement,
  expected: ExpectedUpdate[],
  tokenAuth: boolean,
): Omit<FleetInvocationResult, 'registry' | 'kube' | 'describeClusterCalls' | 'benchCpuMs' | 'registryCpuMs'> {
  const images = invoked.flatMap((cluster) => cluster.images);
  const model = (of: TrackedImage[]) => floorRequests({ images: of, tokenAuth, pagesPerTagList: PAGES_PER_TAG_LIST, phase });
  const problems = checkOutcome(measurement, images.length, expected);
  if (measurement.failedClusters.length > 0) problems.push(`${measurement.failedClusters.length} cluster(s) failed, e.g. ${measurement.failedClusters[0]}`);
  if (measurement.clusters !== invoked.length) problems.push(`the handler ran ${measurement.clusters} of ${invoked.length} clusters`);
  if (measurement.notReached > 0) problems.push(`${measurement.notReached} application(s) not reached`);
  return {
    name,
    phase,
    clusters: invoked.length,
    applications: measurement.applications,
    images: images.length,
    wallMs: measurement.wallMs,
    cpuMs: measurement.cpuMs,
    maxRssKiB: measurement.maxRssKiB,
    logBytes: measurement.logBytes,
    logLines: measurement.logLines,
    floor: model(images),
    floorPerCluster: invoked.map((cluster) => model(cluster.images)).reduce(addCounts, emptyCounts()),
    imagesUpdated: measurement.imagesUpdated,
    expectedUpdates: expected.length,
    problems,
  };
}

function sumKubeCounts(counts: KubeCounts[]): KubeCounts {
  const total: KubeCounts = { total: 0, list: 0, get: 0, patch: 0, events: 0, other: 0 };
  for (const each of counts) for (const key of Object.keys(total) as (keyof KubeCounts)[]) total[key] += each[key];
  return total;
}
