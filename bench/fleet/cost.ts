// What a deployment costs a month on Lambda (arm64, us-east-1 list prices) with its CloudWatch Logs
// ingestion, from the CPU, wall time and log bytes an invocation was measured to need here.
import { vcpuShare } from '../lambda';

export const PRICES = {
  /** arm64, per GB-second. */
  gbSecond: 0.0000133334,
  perRequest: 0.2 / 1e6,
  /** CloudWatch Logs ingestion, per GB (2^30 bytes). */
  logGb: 0.5,
};
/** A schedule every minute over an average month (730 hours). */
export const INVOCATIONS_PER_SCHEDULE = 43_800;
export const MEMORY_SIZES_MB = [256, 512, 1024];

/** One scheduled invocation as measured: the cycle process's CPU, its wall time, the bytes it logged. */
export interface InvocationProfile {
  cpuMs: number;
  wallMs: number;
  logBytes: number;
}

/**
 * An estimate of an invocation's duration on Lambda: its CPU time at the vCPU share the memory buys,
 * never less than the wall time measured here (registry latency, waiting on the API servers).
 */
export function projectedDurationMs(profile: InvocationProfile, memoryMb: number): number {
  return Math.max(profile.wallMs, profile.cpuMs / vcpuShare(memoryMb));
}

export interface MonthlyCost {
  invocations: number;
  /** The longest invocation's projected duration (the one a timeout would cut first). */
  longestMs: number;
  gbSeconds: number;
  lambdaUsd: number;
  logBytes: number;
  logsUsd: number;
  totalUsd: number;
}

/** `schedules`: the invocations of one minute, each made every minute (one schedule per cluster group). */
export function monthlyCost(schedules: readonly InvocationProfile[], memoryMb: number): MonthlyCost {
  const durations = schedules.map((profile) => projectedDurationMs(profile, memoryMb));
  const gbSeconds = (INVOCATIONS_PER_SCHEDULE * durations.reduce((sum, ms) => sum + ms, 0) * (memoryMb / 1024)) / 1000;
  const invocations = INVOCATIONS_PER_SCHEDULE * schedules.length;
  const lambdaUsd = gbSeconds * PRICES.gbSecond + invocations * PRICES.perRequest;
  const logBytes = INVOCATIONS_PER_SCHEDULE * schedules.reduce((sum, profile) => sum + profile.logBytes, 0);
  const logsUsd = (logBytes / 2 ** 30) * PRICES.logGb;
  return { invocations, longestMs: Math.max(...durations), gbSeconds, lambdaUsd, logBytes, logsUsd, totalUsd: lambdaUsd + logsUsd };
}
