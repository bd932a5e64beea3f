import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isDue } from '../../lib/scan/schedule';

const minute = (n: number): Date => new Date(Date.UTC(2026, 10, 26, 0, 0) + n * 60_000);

test('an app without interval is processed in every run', () => {
  for (let n = 0; n < 5; n++) assert.equal(isDue('argocd/a', undefined, minute(n), 1), true);
});

test('interval 5m on a 1-minute schedule: exactly one run in every five', () => {
  for (const app of ['argocd/a', 'argocd/b', 'team/payments', 'x/y']) {
    for (let window = 0; window < 4; window++) {
      const due = [0, 1, 2, 3, 4].filter((n) => isDue(app, 5, minute(window * 5 + n), 1));
      assert.equal(due.length, 1, `${app} in window ${window}`);
    }
  }
});

test('the run picked is stable per app and spread across apps', () => {
  const slots = new Set<number>();
  for (let i = 0; i < 40; i++) {
    const app = `argocd/app-${i}`;
    const slot = [0, 1, 2, 3, 4].find((n) => isDue(app, 5, minute(n), 1));
    assert.notEqual(slot, undefined);
    assert.equal(isDue(app, 5, minute((slot ?? 0) + 5), 1), true, 'same slot in the next window');
    slots.add(slot ?? -1);
  }
  assert.ok(slots.size >= 4, `40 apps share only ${slots.size} of 5 slots`);
});

test('an invocation a few seconds late still counts for its scheduled minute', () => {
  const app = 'argocd/a';
  const slot = [0, 1, 2, 3, 4].find((n) => isDue(app, 5, minute(n), 1)) ?? 0;
  assert.equal(isDue(app, 5, new Date(minute(slot).getTime() + 7_000), 1), true);
  assert.equal(isDue(app, 5, new Date(minute(slot).getTime() - 3_000), 1), true);
});

test('interval shorter than the schedule means every run; longer ones round up to whole runs', () => {
  assert.equal(isDue('argocd/a', 0.5, minute(3), 1), true);
  const dueRuns = [0, 1, 2, 3, 4, 5].filter((n) => isDue('argocd/a', 5, minute(n * 2), 2));
  assert.equal(dueRuns.length, 2, '5m on a 2-minute schedule is every third run');
});
