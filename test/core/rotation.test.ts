import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rotationOrder } from '../../lib/scan/rotation';

const apps = (n: number) => Array.from({ length: n }, (_, index) => index);

/** How many consecutive runs, from `firstRun`, until every app was among the first `room` of a run. */
function runsToReachAll(n: number, room: number, firstRun: number): number {
  const reached = new Set<number>();
  for (let run = firstRun; ; run++) {
    for (const app of rotationOrder(apps(n), run).slice(0, room)) reached.add(app);
    if (reached.size === n) return run - firstRun + 1;
    if (run - firstRun > 10 * n) throw new Error(`never reaches all of ${n} with room for ${room}`);
  }
}

describe('rotationOrder', () => {
  it('orders every application exactly once in each run', () => {
    for (const run of [0, 1, 2, 7, 1_000_003]) {
      assert.deepEqual([...rotationOrder(apps(31), run)].sort((a, b) => a - b), apps(31));
    }
  });

  it('starts each of three consecutive runs with a different third', () => {
    assert.deepEqual(rotationOrder(apps(30), 0).slice(0, 10), apps(10));
    assert.deepEqual(rotationOrder(apps(30), 1).slice(0, 10), apps(10).map((i) => i + 10));
    assert.deepEqual(rotationOrder(apps(30), 2).slice(0, 10), apps(10).map((i) => i + 20));
  });

  it('reaches 30 applications with room for 10 within 3 runs, from any run', () => {
    for (const firstRun of [0, 1, 2, 3, 29_160_001]) assert.equal(runsToReachAll(30, 10, firstRun), 3);
  });

  it('reaches every application within about 3 × n / room runs whatever the room', () => {
    for (const [n, room] of [[100, 7], [1_000, 90], [31, 10], [2, 1], [500, 499]] as const) {
      for (const firstRun of [0, 5, 12_345]) {
        const runs = runsToReachAll(n, room, firstRun);
        assert.ok(runs <= Math.ceil((3 * n) / room) + 2, `${n} apps, room ${room}, from run ${firstRun}: ${runs} runs`);
      }
    }
  });

  it('keeps a single application and an empty list as they are', () => {
    assert.deepEqual(rotationOrder([], 4), []);
    assert.deepEqual(rotationOrder(['only'], 4), ['only']);
  });
});
