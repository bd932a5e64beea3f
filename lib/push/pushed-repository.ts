// A push to some registry's repository, however it was learned (an Amazon ECR event, a registry's
// webhook), and the applications it concerns: those whose images track that repository. The cycle
// then runs for just them, through the same code path (and guarantees) as a scheduled run.
import * as z from '../zod';
import { readApplicationSettings, type SettingsDefaults } from '../annotations/settings';
import { isDockerHub } from '../image/reference';
import type { ApplicationWork } from '../imageupdater/plan';
import type { ImageSpecification } from '../model';
import { ecrRegistryOf } from '../registry/ecr';
import { appKey } from '../scan/applications';

/** `host[:port]`, lower case, as an image reference names a registry. */
const REGISTRY_HOST = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::\d{1,5})?$/;
/** The OCI distribution grammar of a repository name. */
const REPOSITORY = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** A pushed repository, checked: what a push names is input, from outside the trust boundary. */
export const pushedRepositorySchema = z.strictObject({
  registry: z.string().check(z.maxLength(255), z.regex(REGISTRY_HOST, 'a registry host[:port] in lower case')),
  repository: z.string().check(z.maxLength(255), z.regex(REPOSITORY, 'an OCI repository name')),
  tag: z.optional(z.string().check(z.regex(TAG, 'an OCI tag'))),
  digest: z.optional(z.string().check(z.regex(DIGEST, 'a sha256 digest'))),
});

/** A repository a push names: `registry` is the host an image reference would name. */
export type PushedRepository = z.infer<typeof pushedRepositorySchema>;

/** Docker Hub's one name, and `library/` for its official images, so that `nginx` and `docker.io/library/nginx` compare equal. */
function canonical(registry: string, repository: string): { registry: string; repository: string } {
  if (!isDockerHub(registry.toLowerCase())) return { registry: registry.toLowerCase(), repository };
  return { registry: 'docker.io', repository: repository.includes('/') ? repository : `library/${repository}` };
}

/** Whether `spec` tracks the pushed repository: for Amazon ECR in any host form of its account and region. */
export function tracksRepository(spec: ImageSpecification, pushed: PushedRepository): boolean {
  const pushedEcr = ecrRegistryOf(pushed.registry);
  if (pushedEcr?.kind === 'private') {
    const registry = ecrRegistryOf(spec.image.registry);
    return registry?.kind === 'private' && registry.accountId === pushedEcr.accountId && registry.region === pushedEcr.region && spec.image.name === pushed.repository;
  }
  const tracked = canonical(spec.image.registry, spec.image.name);
  const named = canonical(pushed.registry, pushed.repository);
  return tracked.registry === named.registry && tracked.repository === named.repository;
}

/** The applications of `work` that track the pushed repository, with their settings read once. */
export function appsTrackingPush(work: ApplicationWork[], pushed: PushedRepository, defaults: SettingsDefaults): ApplicationWork[] {
  return work.flatMap(({ app, settings }) => {
    const read = settings ?? readApplicationSettings(appKey(app), app.metadata.annotations ?? {}, defaults);
    return read.images.some((spec) => tracksRepository(spec, pushed)) ? [{ app, settings: read }] : [];
  });
}

/** `<registry>/<repository>[:tag]`, for messages. */
export function describePush(pushed: PushedRepository): string {
  return `${pushed.registry}/${pushed.repository}${pushed.tag ? `:${pushed.tag}` : ''}`;
}
