// The process that runs the cycles: bundled like the Lambda and started fresh for each size, so its
// first cycle is a cold start (clean module state and caches) and its second a warm container's.
import { KubeConfig } from '@kubernetes/client-node';
import { parseOptions } from '../../lib/config';
import { RequestTally, runCycle } from '../../lib/cycle';
import type { Log } from '../../lib/model';
import type { Phase } from '../models/inputs';
import type { ChildMessage, ChildSettings, CycleMeasurement, ParentMessage } from './protocol';

const MAX_PROBLEMS = 5;

function send(message: ChildMessage): void {
  process.send?.(message);
}

function settingsFromEnv(): ChildSettings {
  const text = process.env.BENCH_CHILD_SETTINGS;
  if (!text) throw new Error('BENCH_CHILD_SETTINGS is not set');
  return JSON.parse(text) as ChildSettings;
}

/** Collects what the bench checks (updates, problems) and drops the rest, as a quiet logger. */
class BenchLog implements Log {
  readonly updates: CycleMeasurement['updates'] = [];
  readonly problems: string[] = [];

  debug(): void {}

  info(_message: string, fields?: Record<string, unknown>): void {
    if (fields?.outcome === 'updated') {
      this.updates.push({ app: String(fields.app), alias: String(fields.alias), to: String(fields.to) });
    }
  }

  warn(message: string): void {
    this.note(`warn: ${message}`);
  }

  error(message: string): void {
    this.note(`error: ${message}`);
  }

  private note(line: string): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(line);
  }
}

async function runPhase(phase: Phase, collect: boolean, kubeConfig: KubeConfig, settings: ChildSettings): Promise<CycleMeasurement> {
  const options = parseOptions({ registriesConfPath: settings.registriesConfPath });
  const log = new BenchLog();
  const tally = new RequestTally();
  const cpuBefore = process.cpuUsage();
  const loopBefore = performance.eventLoopUtilization();
  const started = performance.now();
  const summary = await runCycle(kubeConfig, options, { log }, tally);
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const loop = performance.eventLoopUtilization(loopBefore);
  const measurement: CycleMeasurement = {
    phase,
    wallMs,
    applications: summary.applications,
    imagesConsidered: summary.imagesConsidered,
    imagesUpdated: summary.imagesUpdated,
    imagesSkipped: summary.imagesSkipped,
    errors: summary.errors,
    tallyRegistry: { ...tally.registry },
    tallyKube: tally.kubeRequests,
    updates: log.updates,
    problems: log.problems,
    cpuMs: (cpu.user + cpu.system) / 1000,
    eventLoopUtilization: loop.utilization,
    maxRssKiB: process.resourceUsage().maxRSS,
    heapUsedBytes: process.memoryUsage().heapUsed,
  };
  const gc = (globalThis as { gc?: () => void }).gc;
  if (collect && gc) {
    gc();
    measurement.liveHeapBytes = process.memoryUsage().heapUsed;
  }
  return measurement;
}

function main(): void {
  const settings = settingsFromEnv();
  process.env[settings.credentialsVariable] = settings.credentials;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(settings.kubeconfigPath);

  process.on('message', (message: ParentMessage) => {
    if (message.type === 'exit') {
      process.disconnect();
      process.exit(0);
    }
    runPhase(message.phase, message.collect, kubeConfig, settings).then(
      (measurement) => send({ type: 'done', measurement }),
      (error: unknown) => send({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
  });
  send({ type: 'ready', startupMs: process.uptime() * 1000, maxRssKiB: process.resourceUsage().maxRSS });
}

main();
