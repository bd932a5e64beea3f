// Notifications as Amazon EventBridge events on the operator's bus (IMAGE_UPDATER_EVENT_BUS),
// collected during a run and sent at its end with PutEvents, ten entries a call. A notification
// that cannot be sent is logged, never fatal: the run's writes are done by then.
import type { EventBridgeClient, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { Log } from '../model';
import { redact } from '../report/secrets';
import { DETAIL_TYPES, notificationDetail, type Notification, type Notifier } from './notification';

/** The events' `source`. */
export const EVENT_SOURCE = 'image-updater';
/** PutEvents takes at most 10 entries per call. */
const ENTRIES_PER_CALL = 10;
/** No PutEvents call waits longer than this, nor past the run's hard deadline. */
const CALL_TIMEOUT_MS = 10_000;

export class EventBusNotifier implements Notifier {
  private readonly entries: PutEventsRequestEntry[] = [];

  constructor(
    private readonly bus: string,
    private readonly cluster: string,
    private readonly log: Log,
    /** Default: one made on the first flush (the SDK is loaded only by runs that notify). */
    private client?: EventBridgeClient,
    /** Epoch ms: the run's hard deadline. */
    private readonly deadline?: number,
  ) {}

  publish(notification: Notification): void {
    this.entries.push({
      EventBusName: this.bus,
      Source: EVENT_SOURCE,
      DetailType: DETAIL_TYPES[notification.kind],
      Time: notification.at,
      // Redacted once more as a whole: an event must never carry a secret.
      Detail: redact(JSON.stringify(notificationDetail(notification, this.cluster))),
    });
  }

  /** Sends what was published; resolves when every call ended. Never throws. */
  async flush(): Promise<void> {
    const entries = this.entries.splice(0);
    for (let start = 0; start < entries.length; start += ENTRIES_PER_CALL) {
      const batch = entries.slice(start, start + ENTRIES_PER_CALL);
      const remaining = this.deadline === undefined ? CALL_TIMEOUT_MS : Math.min(CALL_TIMEOUT_MS, this.deadline - Date.now());
      try {
        if (remaining <= 0) throw new Error('deadline reached');
        const { EventBridgeClient, PutEventsCommand } = await import('@aws-sdk/client-eventbridge');
        this.client ??= new EventBridgeClient({});
        const answer = await this.client.send(new PutEventsCommand({ Entries: batch }), { abortSignal: AbortSignal.timeout(remaining) });
        const failed = (answer.Entries ?? []).flatMap((entry, index) => (entry.ErrorCode ? [{ detailType: batch[index]?.DetailType, error: `${entry.ErrorCode}: ${entry.ErrorMessage ?? ''}` }] : []));
        if (failed.length > 0) this.log.warn(`${failed.length} of ${batch.length} notification(s) refused by event bus ${this.bus}`, { failed });
      } catch (error) {
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        this.log.warn(`could not send ${batch.length} notification(s) to event bus ${this.bus}: ${redact(message)}`, {
          kinds: batch.map((entry) => entry.DetailType),
        });
      }
    }
  }
}
