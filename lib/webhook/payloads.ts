// What each registry's webhook says, read (after its sender was verified) into one normalised push:
// the registry host an image reference would name, the repository, and the tag or digest when the
// payload names exactly one. Events that are not a push (a GitHub ping, a Harbor pull, a package
// that is no container) start no work. Field names follow each provider's documented example.
import * as z from '../zod';
import { pushedRepositorySchema, type PushedRepository } from '../push/pushed-repository';
import type { WebhookProvider } from '../push/registry-push-event';

export type PayloadReading = { kind: 'push'; pushed: PushedRepository } | { kind: 'ignored'; reason: string };

/** A payload that is not what the provider documents: the caller answers 400. */
export class UnreadablePayload extends Error {
  override name = 'UnreadablePayload';
}

const DOCKER_HUB = 'docker.io';
const GHCR = 'ghcr.io';
const DIGEST = /^sha256:[a-f0-9]{64}$/;

const dockerHubPush = z.object({
  push_data: z.object({ tag: z.optional(z.string()) }),
  repository: z.object({ repo_name: z.string() }),
});

const githubPackage = z.object({
  action: z.string(),
  package: z.optional(
    z.object({
      name: z.string(),
      namespace: z.string(),
      package_type: z.string(),
      package_version: z.nullish(
        z.object({ container_metadata: z.nullish(z.object({ tag: z.nullish(z.object({ name: z.optional(z.string()), digest: z.optional(z.string()) })) })) }),
      ),
    }),
  ),
});

const harborResource = z.object({ digest: z.optional(z.string()), tag: z.optional(z.string()), resource_url: z.optional(z.string()) });
const harborData = z.object({ resources: z.array(harborResource).check(z.maxLength(1000)), repository: z.object({ repo_full_name: z.string() }) });
// The policy's Default format carries `event_data`; its CloudEvents format the same under `data`.
const harborEvent = z.object({ type: z.string(), event_data: z.optional(harborData), data: z.optional(harborData) });
const HARBOR_PUSH_TYPES = new Set(['PUSH_ARTIFACT', 'harbor.artifact.pushed']);

const quayPush = z.object({
  docker_url: z.string(),
  // An array today; a tag-to-image map in Quay's older notifications.
  updated_tags: z.optional(z.union([z.array(z.string()), z.record(z.string(), z.string())])),
});

/** The push the payload of `provider` names; `event` is GitHub's X-GitHub-Event header. */
export function readPayload(provider: WebhookProvider, body: Buffer, event?: string): PayloadReading {
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString('utf8'));
  } catch {
    throw new UnreadablePayload('the body is not JSON');
  }
  switch (provider) {
    case 'dockerhub': {
      const { push_data, repository } = parse(dockerHubPush, payload);
      return push(DOCKER_HUB, repository.repo_name, [push_data.tag]);
    }
    case 'ghcr':
      return readGithub(payload, event);
    case 'harbor':
      return readHarbor(payload);
    case 'quay': {
      const { docker_url, updated_tags } = parse(quayPush, payload);
      const slash = docker_url.indexOf('/');
      if (slash < 0) throw new UnreadablePayload(`docker_url ${JSON.stringify(docker_url)} names no repository`);
      const tags = Array.isArray(updated_tags) ? updated_tags : Object.keys(updated_tags ?? {});
      return push(docker_url.slice(0, slash), docker_url.slice(slash + 1), tags);
    }
  }
}

function readGithub(payload: unknown, event: string | undefined): PayloadReading {
  if (event === 'ping') return { kind: 'ignored', reason: 'GitHub ping' };
  if (event !== 'package' && event !== 'registry_package') return { kind: 'ignored', reason: `GitHub ${event ?? 'event without X-GitHub-Event'}: only package events start a run` };
  const raw = payload as Record<string, unknown>;
  // `registry_package` events carry the package under that name, `package` events under `package`.
  const { action, package: pkg } = parse(githubPackage, { action: raw.action, package: raw[event] });
  if (!pkg) throw new UnreadablePayload(`no ${event} object`);
  if (action !== 'published') return { kind: 'ignored', reason: `GitHub ${event} ${action}: only published versions start a run` };
  if (pkg.package_type.toLowerCase() !== 'container') return { kind: 'ignored', reason: `GitHub ${pkg.package_type} package: only containers start a run` };
  const tag = pkg.package_version?.container_metadata?.tag;
  // GHCR names are lower case whatever the owner's login; a nested name may arrive as `a%2Fb`.
  const repository = `${pkg.namespace}/${pkg.name.replace(/%2f/gi, '/')}`.toLowerCase();
  return push(GHCR, repository, [tag?.name], tag?.digest);
}

function readHarbor(payload: unknown): PayloadReading {
  const event = parse(harborEvent, payload);
  if (!HARBOR_PUSH_TYPES.has(event.type)) return { kind: 'ignored', reason: `Harbor ${event.type}: only pushes start a run` };
  const data = event.event_data ?? event.data;
  if (!data) throw new UnreadablePayload('a push without event data');
  const hosts = new Set(data.resources.map((resource) => resource.resource_url?.split('/')[0]?.toLowerCase()));
  const [host] = hosts;
  if (hosts.size !== 1 || !host) throw new UnreadablePayload('the resources do not name one registry host in resource_url');
  // Harbor puts the digest in `tag` for a push by digest.
  const tags = data.resources.map((resource) => resource.tag).filter((tag) => tag !== undefined && !DIGEST.test(tag));
  const digests = [...new Set(data.resources.map((resource) => resource.digest))];
  return push(host, data.repository.repo_full_name, tags, digests.length === 1 ? digests[0] : undefined);
}

/** The normalised push, checked; a tag only when exactly one was pushed. */
function push(registry: string, repository: string, tags: (string | undefined)[], digest?: string): PayloadReading {
  const named = [...new Set(tags.filter((tag): tag is string => tag !== undefined && tag !== ''))];
  const candidate = { registry: registry.toLowerCase(), repository, ...(named.length === 1 && { tag: named[0] }), ...(digest && { digest }) };
  const checked = pushedRepositorySchema.safeParse(candidate);
  if (!checked.success) throw new UnreadablePayload(problems(checked.error));
  return { kind: 'push', pushed: checked.data };
}

function parse<T>(schema: z.ZodMiniType<T>, payload: unknown): T {
  const parsed = schema.safeParse(payload);
  if (!parsed.success) throw new UnreadablePayload(problems(parsed.error));
  return parsed.data;
}

function problems(error: z.core.$ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'payload'}: ${issue.message}`).join('; ');
}
