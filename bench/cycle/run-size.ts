// Runs the cycles of one size in a fresh child process: cold cycle, then (after `betweenPhases`,
// where Argo CD would sync) a warm one in the same process. Counts are read from the proxy and the
// Kubernetes API double around each cycle, so they are exactly what that cycle sent.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { KubeApiDouble } from '../../test/support/kube-api';
import { childPid, ownCpuMs, processCpuMs } from '../cpu';
import { subtractCounts, type RequestCounts } from '../counts';
import type { Phase } from '../models/inputs';
import type { LatencyProxy } from '../registry/latency-proxy';
import type { ChildMessage, ChildSettings, CycleMeasurement, ParentMessage } from './protocol';

const PHASE_TIMEOUT_MS = 10 * 60_000;
/** The harness's registry, as /proc/<pid>/comm names it (15 characters at most). */
const REGISTRY_COMMAND = 'docker-registry';

export interface KubeCounts {
  total: number;
  list: number;
  get: number;
  patch: number;
  events: number;
  other: number;
}

export interface PhaseRun {
  measurement: CycleMeasurement;
  /** CPU this process (proxy, API double) and the registry spent during the cycle, ms. */
  benchCpuMs: number;
  registryCpuMs: number | undefined;
  /** Registry requests as the proxy saw them. */
  registry: RequestCounts;
  kube: KubeCounts;
}

export interface SizeRun {
  /** Child uptime once the cycle modules were loaded. */
  startupMs: number;
  /** maxRSS once the cycle modules were loaded, before any cycle, KiB. */
  loadRssKiB: number;
  phases: Record<Phase, PhaseRun>;
  peakRssKiB: number;
}

/** Bundles the cycle child as the Lambda is bundled (esbuild, ESM, minified unless profiling), into `dir`. */
export function bundleChild(dir: string, minify = true): Promise<string> {
  return bundleLikeLambda(join(import.meta.dirname, 'child.ts'), join(dir, 'bench-child.mjs'), minify);
}

/** Bundles `entry` into `outfile` as the Lambda is bundled: esbuild, ESM, minified unless profiling. */
export async function bundleLikeLambda(entry: string, outfile: string, minify: boolean): Promise<string> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify,
    platform: 'node',
    format: 'esm',
    target: `node${process.versions.node.split('.')[0] ?? '20'}`,
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  return outfile;
}

export async function runSize(options: {
  childPath: string;
  nodeFlags: string[];
  settings: ChildSettings;
  proxy: LatencyProxy;
  kube: KubeApiDouble;
  profileDir?: string;
  betweenPhases(cold: PhaseRun): void;
}): Promise<SizeRun> {
  const profiling = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [];
  const child = spawn(process.execPath, [...options.nodeFlags, '--expose-gc', ...profiling, options.childPath], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, BENCH_CHILD_SETTINGS: JSON.stringify(options.settings) },
  });
  const messages = new MessageQueue<ChildMessage>(child);
  try {
    const ready = await messages.next();
    if (ready.type !== 'ready') throw new Error(`child: expected ready, got ${ready.type}`);
    const cold = await runPhase('cold', child, messages, options);
    options.betweenPhases(cold);
    const warm = await runPhase('warm', child, messages, options);
    send(child, { type: 'exit' });
    await messages.exited;
    return { startupMs: ready.startupMs, loadRssKiB: ready.maxRssKiB, phases: { cold, warm }, peakRssKiB: Math.max(cold.measurement.maxRssKiB, warm.measurement.maxRssKiB) };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

async function runPhase(
  phase: Phase,
  child: ChildProcess,
  messages: MessageQueue<ChildMessage>,
  options: { proxy: LatencyProxy; kube: KubeApiDouble },
): Promise<PhaseRun> {
  const registryBefore = options.proxy.counts();
  const kubeBefore = options.kube.requests().length;
  const registryPid = childPid(REGISTRY_COMMAND);
  const registryCpuBefore = registryPid === undefined ? undefined : processCpuMs(registryPid);
  const benchCpuBefore = ownCpuMs();
  send(child, { type: 'run', phase, collect: phase === 'warm' });
  const done = await messages.next();
  const benchCpuMs = ownCpuMs() - benchCpuBefore;
  const registryCpuAfter = registryPid === undefined ? undefined : processCpuMs(registryPid);
  if (done.type === 'failed') throw new Error(`${phase} cycle failed in the child: ${done.message}`);
  if (done.type !== 'done') throw new Error(`child: expected done, got ${done.type}`);
  return {
    measurement: done.measurement,
    benchCpuMs,
    registryCpuMs: registryCpuBefore === undefined || registryCpuAfter === undefined ? undefined : registryCpuAfter - registryCpuBefore,
    registry: subtractCounts(options.proxy.counts(), registryBefore),
    kube: kubeCounts(options.kube.requests().slice(kubeBefore)),
  };
}

export function kubeCounts(requests: { method: string; path: string }[]): KubeCounts {
  const counts: KubeCounts = { total: requests.length, list: 0, get: 0, patch: 0, events: 0, other: 0 };
  for (const { method, path } of requests) {
    if (path.endsWith('/events') && method === 'POST') counts.events++;
    else if (method === 'GET' && path.endsWith('/applications')) counts.list++;
    else if (method === 'GET' && path.includes('/applications/')) counts.get++;
    else if (method === 'PATCH') counts.patch++;
    else counts.other++;
  }
  return counts;
}

function send(child: ChildProcess, message: ParentMessage): void {
  child.send(message);
}

/** The child's messages in order; an exit before the next message fails the wait. */
export class MessageQueue<M> {
  private readonly queued: M[] = [];
  private waiting: { resolve(message: M): void; reject(error: Error): void } | undefined;
  private ended: Error | undefined;
  readonly exited: Promise<void>;

  constructor(child: ChildProcess) {
    child.on('message', (message: M) => {
      if (this.waiting) {
        this.waiting.resolve(message);
        this.waiting = undefined;
      } else {
        this.queued.push(message);
      }
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.ended = new Error(`child exited (${code ?? signal}) before answering`);
        this.waiting?.reject(this.ended);
        this.waiting = undefined;
        resolve();
      });
    });
  }

  next(): Promise<M> {
    const queued = this.queued.shift();
    if (queued) return Promise.resolve(queued);
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer from the child within ${PHASE_TIMEOUT_MS / 1000} s`)), PHASE_TIMEOUT_MS);
      this.waiting = {
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
    });
  }
}
