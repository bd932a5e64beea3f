// The bench's monthly cost model (bench/fleet/cost.ts), worked by hand: what the README's Cost
// table is computed with.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { monthlyCost, projectedDurationMs } from '../../bench/fleet/cost';

const near = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-6 * Math.max(1, expected), `${what}: ${actual}, expected ${expected}`);

test('a CPU-bound invocation lasts its CPU time over the vCPU share, and costs the same GB-seconds at twice the memory', () => {
  const profile = { cpuMs: 1000, wallMs: 500, logBytes: 1544 };
  // 256 MB buys 256/1769 of a vCPU.
  near(projectedDurationMs(profile, 256), 1000 / (256 / 1769), '256 MB duration');
  const at256 = monthlyCost([profile], 256);
  const at512 = monthlyCost([profile], 512);
  // 43,800 runs × 6.910 s × 0.25 GB.
  near(at256.gbSeconds, (43_800 * (1000 / (256 / 1769)) * 0.25) / 1000, 'GB-seconds');
  near(at256.lambdaUsd, at256.gbSeconds * 0.0000133334 + 43_800 * 0.2e-6, 'Lambda dollars');
  near(at512.gbSeconds, at256.gbSeconds, 'GB-seconds at 512 MB');
  // 1,544 bytes × 43,800 runs at $0.50 per GB ingested.
  near(at256.logsUsd, ((1544 * 43_800) / 2 ** 30) * 0.5, 'log dollars');
  near(at256.totalUsd, at256.lambdaUsd + at256.logsUsd, 'total');
});

test('an invocation never lasts less than its measured wall time', () => {
  const profile = { cpuMs: 1000, wallMs: 2000, logBytes: 0 };
  assert.equal(projectedDurationMs(profile, 1024), 2000);
  near(monthlyCost([profile], 1024).gbSeconds, 43_800 * 2 * 1, 'GB-seconds at 1,024 MB');
});

test('cluster groups are one schedule each: their invocations, durations and log bytes add up; the longest is reported', () => {
  const groups = [
    { cpuMs: 100, wallMs: 3000, logBytes: 7000 },
    { cpuMs: 100, wallMs: 2000, logBytes: 8000 },
  ];
  const cost = monthlyCost(groups, 1024);
  assert.equal(cost.invocations, 87_600);
  assert.equal(cost.longestMs, 3000);
  near(cost.gbSeconds, 43_800 * 5, 'GB-seconds');
  assert.equal(cost.logBytes, 43_800 * 15_000);
});
