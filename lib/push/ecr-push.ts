// Updates on push: Amazon ECR emits an `ECR Image Action` event for every push; an EventBridge rule
// invokes the function with it, and the cycle then runs for just the applications that track the
// pushed repository, through the same code path (and guarantees) as a scheduled run.
import { z } from 'zod';
import { readApplicationSettings, type SettingsDefaults } from '../annotations/settings';
import type { ApplicationWork } from '../imageupdater/plan';
import { ecrRegistryOf } from '../registry/ecr';
import type { ImageSpecification } from '../model';
import { appKey } from '../scan/applications';

/** A repository an ECR push event names. */
export interface PushedRepository {
  accountId: string;
  region: string;
  repository: string;
  tag?: string;
  digest?: string;
}

const ecrImageAction = z.object({
  source: z.literal('aws.ecr'),
  'detail-type': z.literal('ECR Image Action'),
  account: z.string().regex(/^\d{12}$/),
  region: z.string().regex(/^[a-z]+(?:-[a-z]+)+-\d+$/),
  detail: z.object({
    'action-type': z.string(),
    result: z.string(),
    'repository-name': z.string().min(2).max(256),
    'image-tag': z.string().optional(),
    'image-digest': z.string().optional(),
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
      accountId: account,
      region,
      repository: detail['repository-name'],
      ...(detail['image-tag'] && { tag: detail['image-tag'] }),
      ...(detail['image-digest'] && { digest: detail['image-digest'] }),
    },
  };
}

/** Whether `spec` tracks the pushed repository (any ECR host form of its account and region). */
export function tracksRepository(spec: ImageSpecification, pushed: PushedRepository): boolean {
  const registry = ecrRegistryOf(spec.image.registry);
  return (
    registry?.kind === 'private' && registry.accountId === pushed.accountId && registry.region === pushed.region && spec.image.name === pushed.repository
  );
}

/** The applications of `work` that track the pushed repository, with their settings read once. */
export function appsTrackingPush(work: ApplicationWork[], pushed: PushedRepository, defaults: SettingsDefaults): ApplicationWork[] {
  return work.flatMap(({ app, settings }) => {
    const read = settings ?? readApplicationSettings(appKey(app), app.metadata.annotations ?? {}, defaults);
    return read.images.some((spec) => tracksRepository(spec, pushed)) ? [{ app, settings: read }] : [];
  });
}

/** `<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag]`, for messages. */
export function describePush(pushed: PushedRepository): string {
  return `${pushed.accountId}.dkr.ecr.${pushed.region}.amazonaws.com/${pushed.repository}${pushed.tag ? `:${pushed.tag}` : ''}`;
}
