// What Argo CD reports about an Application's rollout: sync and health status, the last sync
// operation, when the controller last reconciled it and which revision it compared against.
import type { Application } from '../model';

export interface RolloutStatus {
  /** `Synced`, `OutOfSync`, `Unknown`; undefined when Argo CD reported none. */
  sync?: string;
  /** `Healthy`, `Progressing`, `Degraded`, `Suspended`, `Missing`, `Unknown`. */
  health?: string;
  /** `Running`, `Succeeded`, `Failed`, `Error`, `Terminating`. */
  operationPhase?: string;
  operationFinishedAt?: Date;
  operationMessage?: string;
  /** When the application controller last compared the Application with its sources. */
  reconciledAt?: Date;
  /** The git revision (or revisions of a multi-source app) Argo CD last compared against. */
  revision?: string;
}

export function rolloutStatus(app: Application): RolloutStatus {
  const status = app.status ?? {};
  const sync = objectAt(status, 'sync');
  const health = objectAt(status, 'health');
  const operation = objectAt(status, 'operationState');
  const revisions = Array.isArray(sync.revisions) ? sync.revisions.filter((r): r is string => typeof r === 'string') : [];
  const revision = stringAt(sync, 'revision') ?? (revisions.length > 0 ? revisions.join(',') : undefined);
  return {
    ...defined('sync', stringAt(sync, 'status')),
    ...defined('health', stringAt(health, 'status')),
    ...defined('operationPhase', stringAt(operation, 'phase')),
    ...defined('operationFinishedAt', dateAt(operation, 'finishedAt')),
    ...defined('operationMessage', stringAt(operation, 'message')),
    ...defined('reconciledAt', dateAt(status, 'reconciledAt')),
    ...defined('revision', revision),
  };
}

/** True when the last sync operation ended in failure after `since`. */
export function operationFailedSince(status: RolloutStatus, since: Date): boolean {
  const failed = status.operationPhase === 'Failed' || status.operationPhase === 'Error';
  return failed && status.operationFinishedAt !== undefined && status.operationFinishedAt.getTime() > since.getTime();
}

/** True when the controller reconciled the Application after `since` (so it saw what was written then). */
export function reconciledSince(status: RolloutStatus, since: Date): boolean {
  return status.reconciledAt !== undefined && status.reconciledAt.getTime() > since.getTime();
}

function objectAt(parent: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = parent[key];
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function stringAt(parent: Record<string, unknown>, key: string): string | undefined {
  const value = parent[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function dateAt(parent: Record<string, unknown>, key: string): Date | undefined {
  const text = stringAt(parent, key);
  const time = text === undefined ? Number.NaN : Date.parse(text);
  return Number.isNaN(time) ? undefined : new Date(time);
}

function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
