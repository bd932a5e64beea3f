// Messages between the bench (parent) and the process that runs the cycles (child), over IPC.
import type { Phase } from '../models/inputs';

export interface ChildSettings {
  kubeconfigPath: string;
  registriesConfPath: string;
  /** Environment variable holding `user:pass` for the registry, as registries.conf names it. */
  credentialsVariable: string;
  credentials: string;
}

export interface CycleMeasurement {
  phase: Phase;
  wallMs: number;
  applications: number;
  imagesConsidered: number;
  imagesUpdated: number;
  imagesSkipped: number;
  errors: number;
  /** The product's own counts (RequestTally), to compare with the proxy's. */
  tallyRegistry: Record<string, number>;
  tallyKube: number;
  /** `namespace/name alias → image` of each update the cycle reported. */
  updates: { app: string; alias: string; to: string }[];
  /** The first few error and warning lines, to explain a failed check. */
  problems: string[];
  /** CPU time (user + system) the child spent during the cycle. */
  cpuMs: number;
  /** Share of the cycle the child's event loop was busy (1: CPU-bound). */
  eventLoopUtilization: number;
  /** process.resourceUsage().maxRSS after the cycle, KiB. */
  maxRssKiB: number;
  heapUsedBytes: number;
  /** Heap still reachable after a forced full GC; measured after the last cycle only (it would perturb the next). */
  liveHeapBytes?: number;
}

export type ParentMessage =
  /** `collect`: force a full GC after the cycle and report the live heap. */
  | { type: 'run'; phase: Phase; collect: boolean }
  | { type: 'exit' };

export type ChildMessage =
  /** `startupMs`: process uptime once the cycle modules are loaded. */
  | { type: 'ready'; startupMs: number; maxRssKiB: number }
  | { type: 'done'; measurement: CycleMeasurement }
  | { type: 'failed'; message: string };
