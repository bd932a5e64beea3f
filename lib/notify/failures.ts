// Persistent failures, without a database: the first run of a streak in which an application
// fails writes `failing-since` on it; a run that finds it failing for FAILING_FOR_MS or longer
// notifies once (and marks the annotation so); the first run without an error removes it. Only
// applications this run decided about are looked at; written only when notifications are on.
import { ANNOTATION_PREFIX } from '../annotations/settings';
import { isDeadlineReached } from '../deadline';
import { kubeErrorMessage, type ApplicationsApi } from '../kube/applications';
import { mapLimited } from '../map-limited';
import type { Application, AppKey, Decision, Log } from '../model';
import { redact } from '../report/secrets';
import { appKey } from '../scan/applications';
import type { Notifier } from './notification';

export const FAILING_SINCE_ANNOTATION = `${ANNOTATION_PREFIX}failing-since`;
/** An application failing in every run for this long is a persistent failure. */
export const FAILING_FOR_MS = 15 * 60_000;
const NOTIFIED = ' notified';
/** At most this many error messages go into one notification. */
const REASONS_SHOWN = 5;

interface FailingSince {
  since: Date;
  notified: boolean;
}

export function parseFailingSince(text: string | undefined): FailingSince | undefined {
  if (text === undefined) return undefined;
  const notified = text.endsWith(NOTIFIED);
  const time = Date.parse(notified ? text.slice(0, -NOTIFIED.length) : text);
  return Number.isNaN(time) ? undefined : { since: new Date(time), notified };
}

function formatFailingSince({ since, notified }: FailingSince): string {
  return `${since.toISOString()}${notified ? NOTIFIED : ''}`;
}

interface FailureChange {
  app: Application;
  /** The new annotation value, or null to remove it. */
  value: string | null;
  /** Failing for long enough, and not notified yet. */
  notify?: { since: Date; reasons: string[] };
}

/** What to write on each application this run decided about. */
export function failureChanges(apps: Application[], decisions: Decision[], now: Date): FailureChange[] {
  const errors = new Map<AppKey, string[]>();
  for (const decision of decisions) {
    const list = errors.get(decision.app) ?? [];
    if (decision.outcome === 'error') list.push(decision.reason);
    errors.set(decision.app, list);
  }
  return apps.flatMap((app): FailureChange[] => {
    const reasons = errors.get(appKey(app));
    if (reasons === undefined) return []; // not decided about in this run
    const text = app.metadata.annotations?.[FAILING_SINCE_ANNOTATION];
    const current = parseFailingSince(text);
    if (reasons.length === 0) return text === undefined ? [] : [{ app, value: null }];
    if (!current) return [{ app, value: formatFailingSince({ since: now, notified: false }) }];
    if (current.notified || now.getTime() - current.since.getTime() < FAILING_FOR_MS) return [];
    return [{ app, value: formatFailingSince({ ...current, notified: true }), notify: { since: current.since, reasons } }];
  });
}

export async function trackFailures(
  apps: Application[],
  decisions: Decision[],
  services: { api: ApplicationsApi; notifier: Notifier; log: Log; concurrency: number },
  now: Date,
): Promise<void> {
  await mapLimited(failureChanges(apps, decisions, now), services.concurrency, async ({ app, value, notify }) => {
    const key = appKey(app);
    try {
      await services.api.patch(app.metadata.namespace, app.metadata.name, { metadata: { annotations: { [FAILING_SINCE_ANNOTATION]: value } } });
    } catch (error) {
      // Cut by the deadline: the next run records it.
      if (!isDeadlineReached(error)) services.log.warn(`${key}: could not record its failure streak: ${redact(kubeErrorMessage(error))}`, { app: key });
      return;
    }
    if (notify) {
      const shown = notify.reasons.slice(0, REASONS_SHOWN).join('; ');
      const more = notify.reasons.length > REASONS_SHOWN ? ` (and ${notify.reasons.length - REASONS_SHOWN} more)` : '';
      services.notifier.publish({ kind: 'ApplicationFailing', app: key, images: [], reason: `${shown}${more}`, failingSince: notify.since, at: now });
    }
  });
}
