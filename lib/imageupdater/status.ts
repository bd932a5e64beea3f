// The status of each ImageUpdater after its Applications are done, written only through the
// `status` subresource, as the reference fills it: observedGeneration, lastCheckedAt,
// lastUpdatedAt, applicationsMatched, imagesManaged, recentUpdates, and the Ready / Error /
// Reconciling conditions. A function that runs every minute must not write every resource every
// minute: a status is written when anything but `lastCheckedAt` changes, and otherwise only to
// refresh `lastCheckedAt` once it is LAST_CHECKED_REFRESH_MS old. A dry run writes nothing (the
// cycle does not call this). A resource with an Application the deadline left for the next run
// is not written: the next run writes what it finds.
import { isDeepStrictEqual } from 'node:util';
import { ApiException } from '@kubernetes/client-node';
import { formatImage, parseImageReference, tagWithDigest } from '../image/reference';
import { isConflict, kubeErrorMessage } from '../kube/applications';
import type { ImageUpdatersApi, RawImageUpdater } from '../kube/imageupdaters';
import type { AppKey, Decision, Log } from '../model';
import { applicationSourceType } from '../patch/source';
import type { CycleReport } from '../report/cycle-report';
import { appKey } from '../scan/applications';
import type { ImageUpdaterOutcome } from './plan';

/** How stale `lastCheckedAt` may get when nothing else changes (documented in the README). */
export const LAST_CHECKED_REFRESH_MS = 10 * 60_000;
/** Entries kept in `recentUpdates`: the updates of the last cycle that updated anything. */
export const RECENT_UPDATES_LIMIT = 20;
const MAX_CONFLICT_RETRIES = 3;

export interface Condition {
  type: 'Ready' | 'Error' | 'Reconciling' | string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface RecentUpdate {
  alias: string;
  image: string;
  newVersion: string;
  applicationsUpdated: number;
  updatedAt: string;
  message?: string;
}

export interface ImageUpdaterStatus {
  observedGeneration?: number;
  lastCheckedAt?: string;
  lastUpdatedAt?: string;
  applicationsMatched?: number;
  imagesManaged?: number;
  recentUpdates?: RecentUpdate[];
  conditions?: Condition[];
  [field: string]: unknown;
}

/** The status after this cycle, from the resource's outcome, the decisions about its apps, and the status it had. */
export function nextStatus(outcome: ImageUpdaterOutcome, decisions: Decision[], previous: ImageUpdaterStatus, now: Date): ImageUpdaterStatus {
  const generation = outcome.imageUpdater.raw.metadata.generation;
  const at = timestamp(now);
  const condition = (type: string, status: Condition['status'], reason: string, message: string): Condition => {
    const before = previous.conditions?.find((existing) => existing.type === type);
    return {
      type,
      status,
      reason,
      message,
      // As apimachinery's SetStatusCondition: the time moves only when the status flips.
      lastTransitionTime: before && before.status === status ? before.lastTransitionTime : at,
      ...(generation !== undefined && { observedGeneration: generation }),
    };
  };
  const reconciling = condition('Reconciling', 'False', 'Idle', 'Reconciliation finished');
  const base: ImageUpdaterStatus = { ...previous, ...(generation !== undefined && { observedGeneration: generation }), lastCheckedAt: at };
  if (outcome.failure) {
    return {
      ...base,
      applicationsMatched: 0,
      imagesManaged: 0,
      conditions: [
        condition('Ready', 'False', 'ReconcileFailed', outcome.failure),
        condition('Error', 'True', 'ReconcileError', outcome.failure),
        reconciling,
      ],
    };
  }
  const keys = new Set<AppKey>(outcome.apps.map(appKey));
  const own = decisions.filter((decision) => keys.has(decision.app));
  const imagesManaged = own.filter((decision) => decision.alias !== '*' && decision.from !== undefined).length;
  const applicationsMatched = outcome.apps.filter((app) => applicationSourceType(app) !== undefined).length;
  const errors = own.filter((decision) => decision.outcome === 'error').length + outcome.appErrors.length;
  const updates = own.filter((decision) => decision.outcome === 'updated');
  const summary = `Reconciled ${applicationsMatched} applications, ${updates.length} images updated.`;
  const outcomeConditions =
    errors > 0
      ? [
          condition('Ready', 'True', 'ReconcileCompletedWithErrors', `${summary} ${errors} errors.`),
          condition('Error', 'True', 'PartialErrors', `${errors} errors; each is in the function's log with its application`),
        ]
      : [condition('Ready', 'True', 'ReconcileSucceeded', summary), condition('Error', 'False', 'NoErrors', 'No errors')];
  return {
    ...base,
    applicationsMatched,
    imagesManaged,
    ...(updates.length > 0 && { lastUpdatedAt: at, recentUpdates: recentUpdates(updates, at) }),
    conditions: [...outcomeConditions, reconciling],
  };
}

/** True when the write is worth its request: something but lastCheckedAt changed, or lastCheckedAt is stale. */
export function needsWrite(previous: ImageUpdaterStatus, next: ImageUpdaterStatus, now: Date): boolean {
  const withoutCheck = ({ lastCheckedAt: _checked, ...rest }: ImageUpdaterStatus) => rest;
  if (!isDeepStrictEqual(withoutCheck(previous), withoutCheck(next))) return true;
  const checked = previous.lastCheckedAt === undefined ? Number.NaN : Date.parse(previous.lastCheckedAt);
  return Number.isNaN(checked) || now.getTime() - checked >= LAST_CHECKED_REFRESH_MS;
}

/** One entry per (alias, new version), counting the applications it went to; newest cycle only. */
function recentUpdates(updates: Decision[], at: string): RecentUpdate[] {
  const entries = new Map<string, RecentUpdate>();
  for (const decision of updates) {
    const newVersion = versionOf(decision.to);
    const key = JSON.stringify([decision.alias, decision.image, newVersion]);
    const existing = entries.get(key);
    if (existing) {
      existing.applicationsUpdated++;
      continue;
    }
    entries.set(key, {
      alias: decision.alias,
      image: decision.image,
      newVersion,
      applicationsUpdated: 1,
      updatedAt: at,
      message: `Updated from ${versionOf(decision.from) || '(none)'} to ${newVersion}.`,
    });
  }
  return [...entries.values()].slice(0, RECENT_UPDATES_LIMIT);
}

/** `ghcr.io/x/web:1.2.3@sha256:…` → `1.2.3@sha256:…`. */
function versionOf(image: string | undefined): string {
  if (!image) return '';
  try {
    return tagWithDigest(parseImageReference(image)) || formatImage(parseImageReference(image));
  } catch {
    return image;
  }
}

/** RFC 3339 with whole seconds, as metav1.Time is stored. */
function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function statusOf(raw: RawImageUpdater): ImageUpdaterStatus {
  const status = raw.status;
  if (typeof status !== 'object' || status === null || Array.isArray(status)) return {};
  const read = status as ImageUpdaterStatus;
  const conditions = Array.isArray(read.conditions) ? read.conditions.filter((entry) => typeof entry?.type === 'string') : undefined;
  return { ...read, ...(conditions && { conditions }) };
}

/**
 * Writes each resource's status that needs it, one PUT of `/status` guarded by the resourceVersion
 * it was read at; a conflict reads the resource again and recomputes from its new status. A 403
 * (RBAC without imageupdaters/status) is one warning for the cycle; other failures are logged per
 * resource and never stop the others.
 */
export async function writeImageUpdaterStatuses(
  api: ImageUpdatersApi,
  outcomes: ImageUpdaterOutcome[],
  report: CycleReport,
  log: Log,
  now = new Date(),
): Promise<void> {
  const notReached = new Set(report.notReachedApplications());
  const decisions = report.decisions;
  let forbidden = false;
  for (const outcome of outcomes) {
    if (forbidden) return;
    const key = outcome.imageUpdater.key;
    if (outcome.apps.some((app) => notReached.has(appKey(app)))) {
      log.debug(`ImageUpdater ${key}: status left for the next run, which finishes its applications`, { imageUpdater: key });
      continue;
    }
    let raw = outcome.imageUpdater.raw;
    try {
      for (let attempt = 0; ; attempt++) {
        const previous = statusOf(raw);
        const status = nextStatus(outcome, decisions, previous, now);
        if (!needsWrite(previous, status, now)) break;
        try {
          await api.replaceStatus({ ...raw, status });
          log.debug(`ImageUpdater ${key}: status written`, { imageUpdater: key });
          break;
        } catch (error) {
          if (!isConflict(error) || attempt >= MAX_CONFLICT_RETRIES) throw error;
          raw = await api.get(outcome.imageUpdater.namespace, outcome.imageUpdater.name);
        }
      }
    } catch (error) {
      if (error instanceof ApiException && error.code === 403) {
        forbidden = true;
        log.warn(`cannot write ImageUpdater status: ${kubeErrorMessage(error)}; grant update on imageupdaters/status (infra/kubernetes/rbac.yaml)`);
      } else {
        log.error(`ImageUpdater ${key}: cannot write its status: ${kubeErrorMessage(error)}`, { imageUpdater: key });
      }
    }
  }
}
