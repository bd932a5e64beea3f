import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeadlineReached, fixedBudget, isDeadlineReached, lambdaBudget, withinLimits, FLUSH_MARGIN_MS, START_MARGIN_MS } from '../../lib/deadline';

const never = () => new Promise<never>(() => undefined);

describe('run budget', () => {
  it('stops starting applications at the soft deadline and ends calls at the hard one', () => {
    let remaining = START_MARGIN_MS + 5_000;
    const now = Date.now();
    const budget = lambdaBudget(() => remaining, now);
    assert.equal(budget.hardDeadline, now + START_MARGIN_MS + 5_000 - FLUSH_MARGIN_MS);
    assert.equal(budget.mayStart(), true);
    remaining = START_MARGIN_MS;
    assert.equal(budget.mayStart(), false);
    assert.equal(fixedBudget(Date.now() - 1, Date.now() + 1_000).mayStart(), false);
  });

  it('abandons a call that ignores its signal at its own timeout, as a failure', async () => {
    const started = Date.now();
    await assert.rejects(withinLimits(never, { what: 'DescribeCluster', timeoutMs: 200 }), (error: Error) => {
      assert.equal(isDeadlineReached(error), false);
      assert.match(error.message, /^DescribeCluster: no answer within 1 s$/);
      return true;
    });
    assert.ok(Date.now() - started < 1_000);
  });

  it('abandons a call at the run deadline when that comes first, as not reached', async () => {
    let aborted = false;
    const call = (signal: AbortSignal) => {
      signal.addEventListener('abort', () => (aborted = true));
      return never();
    };
    await assert.rejects(withinLimits(call, { what: 'list applications', timeoutMs: 15_000, deadline: Date.now() + 200 }), (error: Error) => {
      assert.ok(isDeadlineReached(error));
      assert.match(error.message, /^list applications: no answer within 1 s, before the run's deadline$/);
      return true;
    });
    assert.ok(aborted, 'the call was told to stop');
  });

  it('makes no call once the deadline has passed, and passes answers and failures through', async () => {
    let called = false;
    await assert.rejects(
      withinLimits(async () => (called = true), { what: 'get secret a/b', timeoutMs: 1_000, deadline: Date.now() - 1 }),
      DeadlineReached,
    );
    assert.equal(called, false);
    assert.equal(await withinLimits(async () => 42, { what: 'x', timeoutMs: 1_000 }), 42);
    await assert.rejects(withinLimits(() => Promise.reject(new Error('HTTP 403')), { what: 'x', timeoutMs: 1_000 }), /^Error: HTTP 403$/);
  });

  it('finds the deadline under wrapping errors', () => {
    const wrapped = new Error('registry x: GET /v2/: deadline reached', { cause: new Error('y', { cause: new DeadlineReached('z') }) });
    assert.equal(isDeadlineReached(wrapped), true);
    assert.equal(isDeadlineReached(new Error('plain')), false);
    assert.equal(isDeadlineReached('text'), false);
  });
});
