// The vocabulary shared by scan, resolve, patch and report. Types only: no behaviour lives here.

/** An image reference read the way Argo CD Image Updater v0.x reads it. */
export interface ImageRef {
  /** Registry host[:port] as written; "" for implicit Docker Hub ("nginx", "bitnami/nginx"). */
  registry: string;
  /** Repository path without the registry. `library/` is dropped for implicit Docker Hub only. */
  name: string;
  tag?: string;
  /** "sha256:<hex>" */
  digest?: string;
}

export type StrategyName = 'semver' | 'newest-build' | 'newest-push' | 'digest' | 'alphabetical';

export interface Platform {
  os: string;
  arch: string;
  variant?: string;
}

export interface HelmParameter {
  name: string;
  value: string;
  forceString?: boolean;
}

/** Where an image is written in a Helm source: parameter names. */
export interface HelmTarget {
  /** `<alias>.helm.image-name`, default `image.name` */
  imageName: string;
  /** `<alias>.helm.image-tag`, default `image.tag` */
  imageTag: string;
  /** `<alias>.helm.image-spec`: when set, one parameter carries `name:tag` and the two above are unused */
  imageSpec?: string;
}

/** Where an image is written in a Plugin source: `spec.source.plugin.env` entries (ImageUpdater `manifestTargets.plugin`). */
export interface PluginTarget {
  /** When set, one entry carries `name:tag` and the two below are unused. */
  spec?: string;
  /** The entry that carries `[registry/]name`. */
  name?: string;
  /** The entry that carries `tag[@digest]`. */
  tag?: string;
}

/** One `image-list` entry with every setting that applies to it, resolved from the annotations. */
export interface ImageSpecification {
  /** The alias, or the image name when the entry has none (as the reference does). */
  alias: string;
  hasAlias: boolean;
  /** The image as written in image-list, without the version constraint. */
  image: ImageRef;
  strategy: StrategyName;
  /** Semver range (semver), tracked mutable tag (digest); unused by the others. */
  constraint?: string;
  /** Raw `allow-tags` value, for messages. Undefined: every tag is allowed. */
  allowTags?: string;
  /** Compiled `allow-tags`. */
  allowsTag: (tag: string) => boolean;
  /** `ignore-tags` globs. */
  ignoreTags: string[];
  /** Undefined: any platform qualifies. */
  platforms?: Platform[];
  forceUpdate: boolean;
  /** Credential reference (`pullsecret:ns/name`, `secret:ns/name#field`, `env:VAR`, `ext:/path`). */
  pullSecret?: string;
  helm: HelmTarget;
  kustomizeImageName?: string;
  /** Only from an ImageUpdater: a Plugin application's image is written only through this. */
  plugin?: PluginTarget;
  /** A new tag is written only when a cosign signature by this key verifies (`imagesVerification`). */
  cosignKey?: CosignKeySource;
}

/** Where the cosign public key (PEM) an image's new tags must be signed with is read from. */
export type CosignKeySource =
  /** `imagesVerification.cosignKey`: a Secret in the ImageUpdater's namespace. */
  | { kind: 'secret'; imageUpdater: string; namespace: string; secretName: string; key: string }
  /** The operator's file, for annotation-driven applications. */
  | { kind: 'file'; path: string };

export type SourceType = 'Helm' | 'Kustomize' | 'Plugin';

export interface KustomizeSource {
  images?: string[];
  [key: string]: unknown;
}

export interface HelmSource {
  parameters?: HelmParameter[];
  [key: string]: unknown;
}

export interface PluginSource {
  name?: string;
  env?: { name: string; value: string }[];
  [key: string]: unknown;
}

export interface ApplicationSource {
  repoURL?: string;
  path?: string;
  chart?: string;
  targetRevision?: string;
  helm?: HelmSource;
  kustomize?: KustomizeSource;
  plugin?: PluginSource;
  [key: string]: unknown;
}

/** The parts of an `argoproj.io/v1alpha1` Application this project reads or writes. */
export interface Application {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    resourceVersion?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  };
  spec: {
    source?: ApplicationSource;
    sources?: ApplicationSource[];
    [key: string]: unknown;
  };
  status?: {
    sourceType?: string;
    sourceTypes?: string[];
    summary?: { images?: string[] };
    [key: string]: unknown;
  };
}

/** "namespace/name", the key the reference uses in logs and metrics. */
export type AppKey = string;

/** A bad annotation value: the message names the application, the annotation and the value. */
export class AnnotationError extends Error {
  constructor(
    readonly app: AppKey,
    readonly annotation: string,
    readonly value: string,
    reason: string,
    /** The image-list alias the error belongs to; undefined for app-wide settings. */
    readonly alias?: string,
  ) {
    super(`application ${app}: annotation ${annotation}=${JSON.stringify(value)}: ${reason}`);
    this.name = 'AnnotationError';
  }
}

/** A tag the registry offers, with the metadata a strategy asked for. */
export interface TagCandidate {
  tag: string;
  digest?: string;
  /** Image build time (config blob `created`), for newest-build. */
  created?: Date;
  /** Registry push time (ECR `imagePushedAt`), for newest-push. */
  pushedAt?: Date;
}

export type DecisionOutcome = 'updated' | 'unchanged' | 'skipped' | 'error';

/** One line of the report: what happened to one image of one application. */
export interface Decision {
  app: AppKey;
  alias: string;
  image: string;
  strategy?: StrategyName;
  /** Image as it ran before, e.g. `ghcr.io/x/y:1.27.0` */
  from?: string;
  /** Image chosen, e.g. `ghcr.io/x/y:1.27.3` */
  to?: string;
  outcome: DecisionOutcome;
  reason: string;
}

export interface CycleSummary {
  applications: number;
  imagesConsidered: number;
  imagesSkipped: number;
  imagesUpdated: number;
  /** Images written back to their previous version because their update failed. */
  imagesReverted: number;
  errors: number;
  /** Applications not processed because the deadline came first. */
  notReached: AppKey[];
  /** Applications left for a later run by their `interval` annotation. */
  notDue: number;
  registryRequests: number;
  durationMs: number;
  dryRun: boolean;
}

/** Structured logging as every module sees it; lib/report provides the implementation. */
export interface Log {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Where an application's image changes go, read from `write-back-method` and the git annotations. */
export type WriteBackSettings =
  | { method: 'argocd' }
  | {
      method: 'git';
      /** `repocreds` (Argo CD's repository credentials) or `secret:<namespace>/<name>`. */
      credentials?: string;
      /** `git-repository`; undefined: the selected source's repoURL. */
      repository?: string;
      /** `git-branch` as written: `<base>[:<write-branch-template>]`. */
      branch?: string;
      /** `write-back-target` as written (`kustomization[:dir]`, `helmvalues[:file]` or a file path). */
      target?: string;
      /** Push to a write branch and open a pull (merge) request to the base branch. */
      pullRequest?: { provider: 'github' | 'gitlab'; labels: string[] };
    };

