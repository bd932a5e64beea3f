// The Argo CD Applications of one benchmark size, and what each tracks. Repositories are shared
// Zipf-like (a few are tracked by many apps), every repository by at least one app; most images
// already run what their strategy picks (steady state), a few lag behind and need an update.
import { createHash } from 'node:crypto';
import type { Application, HelmParameter } from '../../lib/model';
import { helmApp, kustomizeApp } from '../../test/support/applications';
import {
  BUILD_TAG_FILTER,
  CALVER_TAG_FILTER,
  MUTABLE_TAGS,
  admittedReleases,
  buildsByAge,
  calverByName,
  semverConstraints,
} from './catalog';
import { pick, seededRandom, weightedPick, zipfSampler, type Random } from './random';

export type StrategyName = 'semver' | 'newest-build' | 'digest' | 'alphabetical';

/** One image-list entry of one app: what the request models need to know about it. */
export interface TrackedImage {
  app: string;
  alias: string;
  repository: string;
  strategy: StrategyName;
  /** Tags left after allow-tags/ignore-tags that newest-build must read the metadata of. */
  candidateTags: readonly string[];
  /** The tag the digest strategy follows. */
  trackedTag?: string;
}

export interface ExpectedUpdate {
  /** `namespace/name` */
  app: string;
  alias: string;
  /** The image the update must write. */
  to: string;
}

export interface Workload {
  apps: Application[];
  images: TrackedImage[];
  expectedUpdates: ExpectedUpdate[];
  /** Repository paths, most tracked first. */
  repositories: string[];
}

export interface WorkloadShape {
  applications: number;
  repositories: number;
  /** Registry host the images name (a registries.conf entry maps it to the proxy). */
  host: string;
  namespace: string;
  seed: number;
  /** Digest of a pushed tag (every repository holds the same catalog). */
  digestOf(repository: string, tag: string): string;
}

/** Share of each strategy among tracked images. */
export const STRATEGY_MIX: readonly (readonly [StrategyName, number])[] = [
  ['semver', 0.75],
  ['digest', 0.1],
  ['newest-build', 0.08],
  ['alphabetical', 0.07],
];
/** Apps that track a second image (a sidecar) from another repository. */
export const SECOND_IMAGE_SHARE = 0.2;
export const HELM_SHARE = 0.4;
/** Images whose running tag lags what the strategy picks. */
export const STALE_SHARE = 0.03;
export const ZIPF_EXPONENT = 1;

export function repositoryName(index: number): string {
  return `apps/service-${String(index).padStart(3, '0')}`;
}

interface ImagePlan {
  tracked: TrackedImage;
  /** image-list entry without the alias. */
  listEntry: string;
  settings: Record<string, string>;
  live: string;
  /** What the strategy picks: equal to `live` in the steady state. */
  wanted: string;
}

export function buildWorkload(shape: WorkloadShape): Workload {
  const random = seededRandom(shape.seed);
  const zipf = zipfSampler(shape.repositories, ZIPF_EXPONENT, random);
  const firstRepositories = shuffle(
    Array.from({ length: shape.applications }, (_, index) => (index < shape.repositories ? index : zipf())),
    random,
  );

  const apps: Application[] = [];
  const images: TrackedImage[] = [];
  const expectedUpdates: ExpectedUpdate[] = [];
  firstRepositories.forEach((first, index) => {
    const name = `app-${String(index).padStart(5, '0')}`;
    const key = `${shape.namespace}/${name}`;
    const repositories = [first];
    if (random() < SECOND_IMAGE_SHARE && shape.repositories > 1) {
      let second = zipf();
      while (second === first) second = zipf();
      repositories.push(second);
    }
    const plans = repositories.map((repositoryIndex, position) =>
      planImage(shape, key, position === 0 ? 'app' : 'sidecar', repositoryName(repositoryIndex), random),
    );
    for (const plan of plans) {
      images.push(plan.tracked);
      if (plan.live !== plan.wanted) expectedUpdates.push({ app: key, alias: plan.tracked.alias, to: plan.wanted });
    }
    apps.push(application(shape, name, plans, random() < HELM_SHARE));
  });
  return { apps, images, expectedUpdates, repositories: Array.from({ length: shape.repositories }, (_, i) => repositoryName(i)) };
}

function planImage(shape: WorkloadShape, app: string, alias: string, repository: string, random: Random): ImagePlan {
  const image = `${shape.host}/${repository}`;
  const stale = random() < STALE_SHARE;
  const strategy = weightedPick(STRATEGY_MIX, random);
  const base = { app, alias, repository, strategy, candidateTags: [] as string[] };
  switch (strategy) {
    case 'semver': {
      const constraint = pick(semverConstraints(), random);
      const admitted = admittedReleases(constraint).map((release) => release.tag);
      return tagged(image, base, `:${constraint.text}`, { [`${alias}.update-strategy`]: 'semver' }, admitted, stale, random);
    }
    case 'newest-build': {
      const builds = buildsByAge();
      const settings = { [`${alias}.update-strategy`]: 'newest-build', [`${alias}.allow-tags`]: BUILD_TAG_FILTER };
      return tagged(image, { ...base, candidateTags: builds }, '', settings, builds, stale, random);
    }
    case 'alphabetical': {
      const settings = { [`${alias}.update-strategy`]: 'alphabetical', [`${alias}.allow-tags`]: CALVER_TAG_FILTER };
      return tagged(image, base, '', settings, calverByName(), stale, random);
    }
    case 'digest': {
      const trackedTag = pick(MUTABLE_TAGS, random);
      const current = shape.digestOf(repository, trackedTag);
      const running = stale ? `sha256:${createHash('sha256').update(`old ${app} ${alias}`).digest('hex')}` : current;
      return {
        tracked: { ...base, trackedTag },
        listEntry: `${image}:${trackedTag}`,
        settings: { [`${alias}.update-strategy`]: 'digest' },
        live: `${image}:${trackedTag}@${running}`,
        wanted: `${image}:${trackedTag}@${current}`,
      };
    }
  }
}

/** An image whose strategy picks the last of `ordered`; a stale one runs an earlier tag. */
function tagged(
  image: string,
  tracked: TrackedImage,
  constraint: string,
  settings: Record<string, string>,
  ordered: string[],
  stale: boolean,
  random: Random,
): ImagePlan {
  const newest = ordered.at(-1);
  if (newest === undefined) throw new Error(`${tracked.app}: nothing to pick for ${tracked.alias}`);
  const running = stale && ordered.length > 1 ? pick(ordered.slice(0, -1), random) : newest;
  return { tracked, listEntry: `${image}${constraint}`, settings, live: `${image}:${running}`, wanted: `${image}:${newest}` };
}

function application(shape: WorkloadShape, name: string, plans: ImagePlan[], helm: boolean): Application {
  const settings: Record<string, string> = {
    'image-list': plans.map((plan) => `${plan.tracked.alias}=${plan.listEntry}`).join(', '),
    'write-back-method': 'argocd',
    ...Object.assign({}, ...plans.map((plan) => plan.settings)),
  };
  const liveImages = plans.map((plan) => plan.live);
  const common = { name, namespace: shape.namespace, liveImages, settings };
  if (!helm) return kustomizeApp({ ...common, images: liveImages });

  // The chart's values name the running image; a sidecar has its own parameters.
  const parameters: HelmParameter[] = [];
  for (const plan of plans) {
    const prefix = plan.tracked.alias === 'app' ? 'image' : `${plan.tracked.alias}.image`;
    if (plan.tracked.alias !== 'app') {
      settings[`${plan.tracked.alias}.helm.image-name`] = `${prefix}.name`;
      settings[`${plan.tracked.alias}.helm.image-tag`] = `${prefix}.tag`;
    }
    const at = plan.live.lastIndexOf(':', plan.live.includes('@') ? plan.live.indexOf('@') : undefined);
    parameters.push({ name: `${prefix}.name`, value: plan.live.slice(0, at) }, { name: `${prefix}.tag`, value: plan.live.slice(at + 1) });
  }
  return helmApp({ ...common, parameters });
}

function shuffle<T>(items: T[], random: Random): T[] {
  for (let index = items.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [items[index], items[other]] = [items[other] as T, items[index] as T];
  }
  return items;
}
