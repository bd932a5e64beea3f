// Updates on push: Amazon ECR emits an `ECR Image Action` event for every push; an EventBridge rule
// invokes the function with it, and the cycle then runs for just the applications that track the
// pushed repository, through the same code path (and guarantees) as a scheduled run.
import * as z from '../zod';
import type { PushedRepository } from './pushed-repository';

const ecrImageAction = z.object({
  source: z.literal('aws.ecr'),
  'detail-type': z.literal('ECR Image Action'),
  account: z.string().check(z.regex(/^\d{12}$/)),
  region: z.string().check(z.regex(/^[a-z]+(?:-[a-z]+)+-\d+$/)),
  detail: z.object({
    'action-type': z.string(),
    result: z.string(),
    'repository-name': z.string().check(z.minLength(2), z.maxLength(256)),
    'image-tag': z.optional(z.string()),
    'image-digest': z.optional(z.string()),
  }),
});

export type EcrEventReading = { kind: 'push'; pushed: PushedRepository } | { kind: 'ignored'; reason: string };

/** True for anything that claims to be an ECR event (then `readEcrEvent` says what it is). */
export function isEcrEvent(event: unknown): boolean {
  return typeof event === 'object' && event !== null && (event as Record<string, unknown>).source === 'aws.ecr';
}

/** A successful push, or why the event starts no work (another action, a failed push). Throws when malformed. */
export function readEcrEvent(event: unknown): EcrEventReading {
  const parsed = ecrImageAction.safeParse(event);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'event'}: ${issue.message}`).join('; ');
    throw new Error(`invalid ECR event: ${problems}`);
  }
  const { account, region, detail } = parsed.data;
  if (detail['action-type'] !== 'PUSH' || detail.result !== 'SUCCESS') {
    return { kind: 'ignored', reason: `ECR ${detail['action-type']} ${detail.result} of ${detail['repository-name']}: only successful pushes start a run` };
  }
  return {
    kind: 'push',
    pushed: {
      registry: `${account}.dkr.ecr.${region}.amazonaws.com`,
      repository: detail['repository-name'],
      ...(detail['image-tag'] && { tag: detail['image-tag'] }),
      ...(detail['image-digest'] && { digest: detail['image-digest'] }),
    },
  };
}
