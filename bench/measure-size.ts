// One benchmark size end to end: push what its repositories need, build its applications into a
// fresh Kubernetes API double, run a cold and a warm cycle in a fresh child, check what the cycles
// did, and put the reference's and the floor's request counts beside the measured ones.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKubeApi, type KubeApiDouble } from '../test/support/kube-api';
import { DEFAULT_USER } from '../test/support/registry';
import { REQUEST_KINDS, type RequestCounts } from './counts';
import type { CycleMeasurement } from './cycle/protocol';
import { runSize, type KubeCounts, type PhaseRun } from './cycle/run-size';
import { floorRequests } from './models/floor';
import type { ModelInput, Phase } from './models/inputs';
import { referenceLowerBound, referenceRequests } from './models/reference';
import { repositoriesFor, type BenchOptions } from './options';
import type { LatencyProxy } from './registry/latency-proxy';
import { buildWorkload, STRATEGY_MIX, type ExpectedUpdate, type StrategyName, type Workload } from './workload/applications';
import type { RegistrySeeder } from './workload/push';

export const REGISTRY_HOST = 'registry.example.com';
export const NAMESPACE = 'argocd';
export const CREDENTIALS_VARIABLE = 'BENCH_REGISTRY_CREDENTIALS';
/** distribution 2.8 ignores `n` and sends every tag in one page. */
export const PAGES_PER_TAG_LIST = 1;

export interface PhaseResult {
  wallMs: number;
  registry: RequestCounts;
  kube: KubeCounts;
  reference: RequestCounts;
  referenceLowerBound: RequestCounts;
  floor: RequestCounts;
  imagesUpdated: number;
  /** What the cycle got wrong: missing or unexpected updates, errors, images not considered. */
  problems: string[];
  /** Where the product's own request counts (RequestTally) disagree with the proxy or the API. */
  tallyNotes: string[];
  /** The child's CPU time in the cycle, and how busy its event loop was. */
  cpuMs: number;
  eventLoopUtilization: number;
  /** CPU of the bench process (latency proxy, API double) and of the registry during the cycle. */
  benchCpuMs: number;
  registryCpuMs: number | undefined;
  maxRssKiB: number;
  heapUsedBytes: number;
  liveHeapBytes?: number;
}

export interface SizeResult {
  applications: number;
  repositories: number;
  images: number;
  helmApps: number;
  strategies: Record<StrategyName, number>;
  expectedUpdates: number;
  startupMs: number;
  loadRssKiB: number;
  peakRssKiB: number;
  phases: Record<Phase, PhaseResult>;
}

export interface SizeEnvironment {
  options: BenchOptions;
  seeder: RegistrySeeder;
  proxy: LatencyProxy;
  childPath: string;
  /** Node flags of the cycle process (the Lambda runtime's heap sizing). */
  childFlags: string[];
  workDir: string;
  progress(message: string): void;
}

export async function measureSize(applications: number, env: SizeEnvironment): Promise<SizeResult> {
  const repositories = repositoriesFor(applications);
  const workload = buildWorkload({
    applications,
    repositories,
    host: REGISTRY_HOST,
    namespace: NAMESPACE,
    seed: env.options.seed,
    digestOf: (repository, tag) => env.seeder.digestOf(repository, tag),
  });
  const kube = await startKubeApi({ tls: true, imageUpdaterCrd: true });
  try {
    for (const app of workload.apps) kube.setApplication(app);
    const registriesConfPath = join(env.workDir, `registries-${applications}.conf`);
    writeFileSync(registriesConfPath, registriesConf(env.proxy.url, env.options.auth === 'token'));
    env.progress(`${applications} apps: ${workload.images.length} images over ${repositories} repositories; cold cycle, then warm cycle`);
    const run = await runSize({
      childPath: env.childPath,
      nodeFlags: env.childFlags,
      settings: {
        kubeconfigPath: kube.kubeconfigPath(),
        registriesConfPath,
        credentialsVariable: CREDENTIALS_VARIABLE,
        credentials: `${DEFAULT_USER.username}:${DEFAULT_USER.password}`,
      },
      proxy: env.proxy,
      kube,
      ...(env.options.profileDir && { profileDir: env.options.profileDir }),
      betweenPhases: (cold) => syncLiveImages(kube, cold.measurement.updates),
    });
    const phase = (name: Phase, expected: ExpectedUpdate[]): PhaseResult => result(name, run.phases[name], workload, expected, env.options);
    return {
      applications,
      repositories,
      images: workload.images.length,
      helmApps: workload.apps.filter((app) => app.spec.source?.helm !== undefined).length,
      strategies: strategyCounts(workload),
      expectedUpdates: workload.expectedUpdates.length,
      startupMs: run.startupMs,
      loadRssKiB: run.loadRssKiB,
      peakRssKiB: run.peakRssKiB,
      // After the cold cycle Argo CD synced what it wrote: the warm cycle has nothing to change.
      phases: { cold: phase('cold', workload.expectedUpdates), warm: phase('warm', []) },
    };
  } finally {
    await kube.stop();
  }
}

export function registriesConf(apiUrl: string, withCredentials: boolean): string {
  // No `limit`: a configured endpoint without one is not rate limited (reference d4).
  // `insecure`: the proxy speaks plain http on loopback, and credentials go over http only when allowed.
  const lines = ['registries:', '- name: bench registry', `  prefix: ${REGISTRY_HOST}`, `  api_url: ${apiUrl}`, '  insecure: true'];
  if (withCredentials) lines.push(`  credentials: env:${CREDENTIALS_VARIABLE}`);
  return `${lines.join('\n')}\n`;
}

function result(phase: Phase, run: PhaseRun, workload: Workload, expected: ExpectedUpdate[], options: BenchOptions): PhaseResult {
  const input: ModelInput = { images: workload.images, tokenAuth: options.auth === 'token', pagesPerTagList: PAGES_PER_TAG_LIST, phase };
  return {
    wallMs: run.measurement.wallMs,
    registry: run.registry,
    kube: run.kube,
    reference: referenceRequests(input),
    referenceLowerBound: referenceLowerBound(input),
    floor: floorRequests(input),
    imagesUpdated: run.measurement.imagesUpdated,
    problems: checkOutcome(run.measurement, workload.images.length, expected),
    tallyNotes: checkTally(run),
    cpuMs: run.measurement.cpuMs,
    eventLoopUtilization: run.measurement.eventLoopUtilization,
    benchCpuMs: run.benchCpuMs,
    registryCpuMs: run.registryCpuMs,
    maxRssKiB: run.measurement.maxRssKiB,
    heapUsedBytes: run.measurement.heapUsedBytes,
    ...(run.measurement.liveHeapBytes !== undefined && { liveHeapBytes: run.measurement.liveHeapBytes }),
  };
}

/** The cycle must consider every image, update exactly the lagging ones to the expected image, and fail none. */
export function checkOutcome(
  measurement: Pick<CycleMeasurement, 'imagesConsidered' | 'errors' | 'problems' | 'updates'>,
  images: number,
  expected: ExpectedUpdate[],
): string[] {
  const problems: string[] = [];
  if (measurement.imagesConsidered !== images) problems.push(`considered ${measurement.imagesConsidered} of ${images} images`);
  if (measurement.errors > 0) problems.push(`${measurement.errors} error(s): ${measurement.problems.join(' | ')}`);
  const key = (update: ExpectedUpdate) => `${update.app} ${update.alias} → ${update.to}`;
  const done = new Set(measurement.updates.map(key));
  const wanted = new Set(expected.map(key));
  const missing = [...wanted].filter((update) => !done.has(update));
  const unexpected = [...done].filter((update) => !wanted.has(update));
  if (missing.length > 0) problems.push(`${missing.length} expected update(s) not made, e.g. ${missing[0]}`);
  if (unexpected.length > 0) problems.push(`${unexpected.length} unexpected update(s), e.g. ${unexpected[0]}`);
  return problems;
}

/** The product's RequestTally and the proxy must agree on every kind. */
function checkTally(run: PhaseRun): string[] {
  const problems: string[] = [];
  for (const kind of REQUEST_KINDS) {
    const own = run.measurement.tallyRegistry[kind] ?? 0;
    if (own !== run.registry[kind]) problems.push(`${kind}: the product counted ${own}, the proxy saw ${run.registry[kind]}`);
  }
  if (run.registry.other > 0) problems.push(`${run.registry.other} registry request(s) of no known kind`);
  const missed = run.kube.total - run.measurement.tallyKube;
  if (missed !== 0) {
    const which = missed === run.kube.events ? `: RequestTally.kubeRequests leaves out the ${missed} event creation(s)` : '';
    problems.push(`kube: the product counted ${run.measurement.tallyKube} request(s), the API saw ${run.kube.total}${which}`);
  }
  return problems;
}

/** What Argo CD does after a write: sync, so that status.summary.images shows the new images. */
export function syncLiveImages(kube: KubeApiDouble, updates: CycleMeasurement['updates']): void {
  for (const update of updates) {
    const [namespace = '', name = ''] = update.app.split('/');
    const app = kube.application(namespace, name);
    const images = app?.status?.summary?.images;
    if (!app?.status || !images) continue;
    const repository = imageName(update.to);
    app.status.summary = { ...app.status.summary, images: images.map((image) => (imageName(image) === repository ? update.to : image)) };
    kube.setApplication(app);
  }
}

/** `host/path:tag@digest` → `host/path` (the bench host has no port). */
function imageName(image: string): string {
  return image.split('@')[0]?.split(':')[0] ?? image;
}

function strategyCounts(workload: Workload): Record<StrategyName, number> {
  const counts = Object.fromEntries(STRATEGY_MIX.map(([name]) => [name, 0])) as Record<StrategyName, number>;
  for (const image of workload.images) counts[image.strategy] += 1;
  return counts;
}
