// The hand-off from the webhook function to the update function: a verified registry webhook
// becomes one `Registry Push` event on the account's default EventBridge bus, and a rule invokes
// the update function with it, as it does with Amazon ECR's own push events. Whoever may put events
// on that bus can send one, so the update function reads it as strictly as any input.
import * as z from '../zod';
import { pushedRepositorySchema, type PushedRepository } from './pushed-repository';

/** The events' `source` and `detail-type` (the rule's pattern in infra/stack.cjs). */
export const REGISTRY_PUSH_SOURCE = 'image-updater.registry-push';
export const REGISTRY_PUSH_DETAIL_TYPE = 'Registry Push';

/** The webhooks a registry push can come from; each has its own path and secret. */
export const WEBHOOK_PROVIDERS = ['dockerhub', 'ghcr', 'harbor', 'quay'] as const;
export type WebhookProvider = (typeof WEBHOOK_PROVIDERS)[number];

const detailSchema = z.strictObject({
  version: z.literal('1'),
  provider: z.enum(WEBHOOK_PROVIDERS),
  pushed: pushedRepositorySchema,
});
export type RegistryPushDetail = z.infer<typeof detailSchema>;

const registryPushEvent = z.object({
  source: z.literal(REGISTRY_PUSH_SOURCE),
  'detail-type': z.literal(REGISTRY_PUSH_DETAIL_TYPE),
  detail: detailSchema,
});

/** True for anything that claims to be a registry push (then `readRegistryPushEvent` checks it). */
export function isRegistryPushEvent(event: unknown): boolean {
  return typeof event === 'object' && event !== null && (event as Record<string, unknown>).source === REGISTRY_PUSH_SOURCE;
}

/** The push a `Registry Push` event names. Throws when malformed. */
export function readRegistryPushEvent(event: unknown): { provider: WebhookProvider; pushed: PushedRepository } {
  const parsed = registryPushEvent.safeParse(event);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'event'}: ${issue.message}`).join('; ');
    throw new Error(`invalid registry push event: ${problems}`);
  }
  return parsed.data.detail;
}

/** The PutEvents entry for a push (the default bus). */
export function registryPushEntry(provider: WebhookProvider, pushed: PushedRepository) {
  const detail: RegistryPushDetail = { version: '1', provider, pushed };
  return { Source: REGISTRY_PUSH_SOURCE, DetailType: REGISTRY_PUSH_DETAIL_TYPE, Detail: JSON.stringify(detail) };
}
