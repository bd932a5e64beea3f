// Collects a cycle's decisions and counters, logs each decision once at the level a user needs,
// and closes with the summary line. In the steady state (nothing to change) only the summary is
// at INFO: that keeps a once-a-minute function's CloudWatch Logs bill small.
import type { AppKey, CycleSummary, Decision, Log } from '../model';

export class CycleReport {
  private applications = 0;
  private imagesConsidered = 0;
  private imagesSkipped = 0;
  private imagesUpdated = 0;
  private reverted = 0;
  private errors = 0;
  private notDue = 0;
  private readonly notReached: AppKey[] = [];
  readonly decisions: Decision[] = [];

  constructor(
    private readonly log: Log,
    private readonly dryRun: boolean,
  ) {}

  applicationProcessed(): void {
    this.applications++;
  }

  imageConsidered(): void {
    this.imagesConsidered++;
  }

  /** Images written back to their previous version after a failed update (logged by the caller). */
  imagesReverted(count: number): void {
    this.reverted += count;
  }

  applicationNotDue(): void {
    this.notDue++;
  }

  applicationNotReached(app: AppKey): void {
    this.notReached.push(app);
  }

  /** Applications the deadline left for the next run, so far. */
  notReachedApplications(): readonly AppKey[] {
    return this.notReached;
  }

  record(decision: Decision): void {
    this.decisions.push(decision);
    const fields = { ...decision, dryRun: this.dryRun || undefined };
    switch (decision.outcome) {
      case 'updated':
        this.imagesUpdated++;
        this.log.info(`${this.dryRun ? 'would update' : 'updated'} ${decision.app} ${decision.alias}: ${decision.from} → ${decision.to}`, fields);
        break;
      case 'unchanged':
        this.log.debug(`${decision.app} ${decision.alias}: ${decision.reason}`, fields);
        break;
      case 'skipped':
        this.imagesSkipped++;
        this.log.debug(`skipped ${decision.app} ${decision.alias}: ${decision.reason}`, fields);
        break;
      case 'error':
        this.errors++;
        this.log.error(`${decision.app} ${decision.alias}: ${decision.reason}`, fields);
        break;
    }
  }

  summary(durationMs: number, registryRequests: number): CycleSummary {
    return {
      applications: this.applications,
      imagesConsidered: this.imagesConsidered,
      imagesSkipped: this.imagesSkipped,
      imagesUpdated: this.imagesUpdated,
      imagesReverted: this.reverted,
      errors: this.errors,
      notReached: [...this.notReached],
      notDue: this.notDue,
      registryRequests,
      durationMs,
      dryRun: this.dryRun,
    };
  }
}
