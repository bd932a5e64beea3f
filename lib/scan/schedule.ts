// The `interval` annotation without state: with runs every `scheduleMinutes`, an app whose interval
// spans N runs is processed in exactly one run out of N. Which one is fixed by a hash of its
// namespace/name, so apps sharing an interval are spread across runs instead of all landing together.
import type { AppKey } from '../model';

const MINUTE_MS = 60_000;

export function isDue(app: AppKey, intervalMinutes: number | undefined, scheduledAt: Date, scheduleMinutes: number): boolean {
  if (intervalMinutes === undefined) return true;
  // Never more often than asked: 5 minutes on a 2-minute schedule is every third run.
  const runsPerInterval = Math.max(1, Math.ceil(intervalMinutes / scheduleMinutes));
  if (runsPerInterval === 1) return true;
  return runIndex(scheduledAt, scheduleMinutes) % runsPerInterval === fnv1a(app) % runsPerInterval;
}

/** The number of the scheduled run at `scheduledAt`: consecutive runs have consecutive numbers. */
export function runIndex(scheduledAt: Date, scheduleMinutes: number): number {
  // Rounding absorbs an invocation that starts a little before or after its scheduled minute.
  return Math.round(scheduledAt.getTime() / (scheduleMinutes * MINUTE_MS));
}

/** 32-bit FNV-1a: stable across processes and versions, unlike a random seed. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
