// One real registry and one Kubernetes API double shared by the cycle tests; each test works in
// its own namespace so that tests never see each other's applications.
import type { KubeConfig } from '@kubernetes/client-node';
import { parseOptions, type CycleOptions, type RawOptions } from '../../lib/config';
import { RequestTally, runCycle } from '../../lib/cycle';
import type { RunBudget } from '../../lib/deadline';
import type { Application, CycleSummary, Log } from '../../lib/model';
import { startKubeApi, type KubeApiDouble } from '../support/kube-api';
import { pushImage, registriesConfFor, startRegistry, type RunningRegistry } from '../support/registry';

export interface CapturedLog extends Log {
  lines: { level: string; message: string; fields?: Record<string, unknown> }[];
}

export function captureLog(): CapturedLog {
  const lines: CapturedLog['lines'] = [];
  const write = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, fields });
  };
  return { lines, debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

export interface Fixture {
  registry: RunningRegistry;
  kube: KubeApiDouble;
  kubeConfig: KubeConfig;
  /** A registries.conf configuring `registry`; every cycle uses it unless told otherwise. */
  registriesConf: string;
  stop(): Promise<void>;
}

export async function startFixture(): Promise<Fixture> {
  const registry = await startRegistry();
  const kube = await startKubeApi({ tls: true, imageUpdaterCrd: true });
  return {
    registry,
    kube,
    kubeConfig: kube.kubeConfig(),
    registriesConf: registriesConfFor([registry]),
    stop: async () => {
      await Promise.all([registry.stop(), kube.stop()]);
    },
  };
}

/** Pushes each tag with a distinct build time, one minute apart in list order unless given. */
export async function pushTags(registry: RunningRegistry, repository: string, tags: (string | { tag: string; created: Date })[]): Promise<Record<string, string>> {
  const digests: Record<string, string> = {};
  for (const [index, entry] of tags.entries()) {
    const { tag, created } = typeof entry === 'string' ? { tag: entry, created: new Date(Date.UTC(2026, 0, 1, 0, index)) } : entry;
    digests[tag] = (await pushImage(registry, repository, tag, { created })).digest;
  }
  return digests;
}

export interface CycleRun {
  summary: CycleSummary;
  log: CapturedLog;
  tally: RequestTally;
}

export async function cycle(fixture: Fixture, namespace: string, raw: RawOptions = {}, extra: { budget?: RunBudget } = {}): Promise<CycleRun> {
  const options: CycleOptions = parseOptions({ applicationNamespace: namespace, registriesConfPath: fixture.registriesConf, ...raw });
  const log = captureLog();
  const tally = new RequestTally();
  const summary = await runCycle(fixture.kubeConfig, options, { log, budget: extra.budget }, tally);
  return { summary, log, tally };
}

export function seed(fixture: Fixture, apps: Application[]): void {
  for (const app of apps) fixture.kube.setApplication(app);
}
