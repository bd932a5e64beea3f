// A run's time budget. Two instants matter: the soft deadline, after which no application is
// started, and the hard deadline, by which every remote call has ended, answered or abandoned, so
// that the run still has time to log and publish its metrics before the Lambda timeout. Work cut
// at the hard deadline is not a failure: it is left to the next run.

export interface RunBudget {
  /** Whether the soft deadline is still ahead: an application may be started. */
  mayStart(): boolean;
  /** Epoch ms: no remote call outlives it. */
  readonly hardDeadline: number;
}

/** Before the Lambda timeout: no application starts later than this, so those in flight can finish. */
export const START_MARGIN_MS = 10_000;
/** Before the Lambda timeout: every call has ended by then, leaving time for the summary and metrics. */
export const FLUSH_MARGIN_MS = 2_000;

/**
 * The budget of a Lambda invocation, read from the runtime's remaining time at each question, so
 * that the soft deadline follows the Lambda's own clock.
 */
export function lambdaBudget(remainingMs: () => number, now = Date.now()): RunBudget {
  return {
    hardDeadline: now + remainingMs() - FLUSH_MARGIN_MS,
    mayStart: () => remainingMs() > START_MARGIN_MS,
  };
}

/** A budget with fixed instants (epoch ms): the CLI and tests. */
export function fixedBudget(softDeadline: number, hardDeadline: number): RunBudget {
  return { hardDeadline, mayStart: () => Date.now() < softDeadline };
}

/** Work abandoned because the run's hard deadline came: the application is not reached, not failed. */
export class DeadlineReached extends Error {
  override name = 'DeadlineReached';
}

/** Whether `error`, or an error it was caused by, is the run's deadline. */
export function isDeadlineReached(error: unknown): boolean {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current instanceof DeadlineReached) return true;
  }
  return false;
}

export interface CallLimits {
  /** What is called, for the error message: `DescribeCluster prod`, `list applications`. */
  what: string;
  /** The call's own limit. */
  timeoutMs: number;
  /** Epoch ms: the run's hard deadline, if any. */
  deadline?: number;
}

/**
 * Runs one remote call with a signal that aborts at its timeout or at the run's deadline,
 * whichever comes first, and gives up on the call then even if it ignores the signal. A call cut
 * by the deadline fails with DeadlineReached; one cut by its own timeout with a plain error.
 */
export async function withinLimits<T>(call: (signal: AbortSignal) => Promise<T>, limits: CallLimits): Promise<T> {
  const { what, timeoutMs, deadline } = limits;
  const untilDeadline = deadline === undefined ? Number.POSITIVE_INFINITY : deadline - Date.now();
  if (untilDeadline <= 0) throw new DeadlineReached(`${what}: the run's deadline has passed`);
  const byDeadline = untilDeadline < timeoutMs;
  const limitMs = Math.min(timeoutMs, untilDeadline);
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const seconds = Math.max(1, Math.round(limitMs / 1000));
      const error = byDeadline
        ? new DeadlineReached(`${what}: no answer within ${seconds} s, before the run's deadline`)
        : new Error(`${what}: no answer within ${seconds} s`);
      controller.abort(error);
      reject(error);
    }, limitMs);
  });
  try {
    return await Promise.race([call(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}
