// What the updater tells the outside world besides its logs: one JSON event per update, revert,
// hold and persistent failure, so that teams route it to chat or paging without parsing logs.
// The shape is documented in the README ("Notifications"); `version` changes if it ever breaks.
import type { AppKey } from '../model';

export type NotificationKind = 'ImagesUpdated' | 'ImagesReverted' | 'ImagesHeld' | 'ApplicationFailing';

/** One image in a notification: versions are `tag[@digest]`. */
export interface NotifiedImage {
  alias: string;
  /** `[registry/]name`, without tag. */
  image?: string;
  from?: string;
  to?: string;
}

export interface Notification {
  kind: NotificationKind;
  app: AppKey;
  images: NotifiedImage[];
  /** Why (a revert's cause, a failure's errors); already redacted. */
  reason?: string;
  /** `alias=version` entries added to `held-tags`. */
  held?: string[];
  /** ApplicationFailing: when the application's first failed run of this streak was. */
  failingSince?: Date;
  at: Date;
}

/** Receives notifications during a run; what is done with them (if anything) is the receiver's. */
export interface Notifier {
  publish(notification: Notification): void;
}

/** No event bus configured: notifications go nowhere. */
export const noNotifications: Notifier = { publish: () => undefined };

/** The EventBridge `detail-type` of each kind. */
export const DETAIL_TYPES: Record<NotificationKind, string> = {
  ImagesUpdated: 'Images Updated',
  ImagesReverted: 'Images Reverted',
  ImagesHeld: 'Images Held',
  ApplicationFailing: 'Application Failing',
};

/** The event's `detail`. */
export function notificationDetail(notification: Notification, cluster: string): Record<string, unknown> {
  const [namespace = '', name = ''] = notification.app.split('/');
  return {
    version: '1',
    kind: notification.kind,
    cluster,
    application: { namespace, name },
    images: notification.images,
    ...(notification.reason !== undefined && { reason: notification.reason }),
    ...(notification.held && { held: notification.held }),
    ...(notification.failingSince && { failingSince: notification.failingSince.toISOString() }),
    at: notification.at.toISOString(),
  };
}
