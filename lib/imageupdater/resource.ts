// An `ImageUpdater` (argocd-image-updater.argoproj.io/v1alpha1) read at the boundary into types that
// say what each field may hold. The API server has validated it against its CRD, but objects stored
// under an older CRD, or written where the CRD was changed, still arrive: a resource that does not
// fit is reported as that resource's error, never half-read.
import * as z from '../zod';
import type { RawImageUpdater } from '../kube/imageupdaters';

const commonUpdateSettings = z.object({
  updateStrategy: z.optional(z.string()),
  forceUpdate: z.optional(z.boolean()),
  allowTags: z.optional(z.string()),
  ignoreTags: z.optional(z.array(z.string())),
  pullSecret: z.optional(z.string()),
  platforms: z.optional(z.array(z.string())),
});

const targetNames = z.object({ name: z.optional(z.string()), tag: z.optional(z.string()), spec: z.optional(z.string()) });

const manifestTargets = z.object({
  helm: z.optional(targetNames),
  kustomize: z.optional(z.object({ name: z.string() })),
  plugin: z.optional(targetNames),
});

const imagesVerification = z.object({
  enabled: z.optional(z.boolean()),
  cosignKey: z.optional(z.object({ secretName: z.string(), key: z.string() })),
});

const imageConfig = z.object({
  alias: z.string().check(z.regex(/^[a-zA-Z0-9][a-zA-Z0-9-._]*$/)),
  imageName: z.string(),
  commonUpdateSettings: z.optional(commonUpdateSettings),
  manifestTargets: z.optional(manifestTargets),
  imagesVerification: z.optional(imagesVerification),
});

const gitConfig = z.object({
  repository: z.optional(z.string()),
  branch: z.optional(z.string()),
  writeBackTarget: z.optional(z.string()),
  pullRequest: z.optional(
    z.object({
      github: z.optional(z.record(z.string(), z.unknown())),
      gitlab: z.optional(z.record(z.string(), z.unknown())),
      labels: z.optional(z.array(z.string())),
    }),
  ),
});

const writeBackConfig = z.object({
  method: z.optional(z.string()),
  gitConfig: z.optional(gitConfig),
});

const labelSelector = z.object({
  matchLabels: z.optional(z.record(z.string(), z.string())),
  matchExpressions: z.optional(z.array(z.object({ key: z.string(), operator: z.string(), values: z.optional(z.array(z.string())) }))),
});

const applicationRef = z.object({
  namePattern: z.string(),
  labelSelectors: z.optional(labelSelector),
  useAnnotations: z.optional(z.boolean()),
  images: z.optional(z.array(imageConfig)),
  commonUpdateSettings: z.optional(commonUpdateSettings),
  writeBackConfig: z.optional(writeBackConfig),
  imagesVerification: z.optional(imagesVerification),
});

const spec = z.object({
  applicationRefs: z.array(applicationRef).check(z.minLength(1)),
  commonUpdateSettings: z.optional(commonUpdateSettings),
  writeBackConfig: z.optional(writeBackConfig),
  imagesVerification: z.optional(imagesVerification),
});

export type CommonUpdateSettings = z.infer<typeof commonUpdateSettings>;
export type ImageConfig = z.infer<typeof imageConfig>;
export type WriteBackConfig = z.infer<typeof writeBackConfig>;
export type PullRequestConfig = NonNullable<z.infer<typeof gitConfig>['pullRequest']>;
export type LabelSelector = z.infer<typeof labelSelector>;
export type ApplicationRef = z.infer<typeof applicationRef>;
export type ImagesVerification = z.infer<typeof imagesVerification>;
export type ImageUpdaterSpec = z.infer<typeof spec>;

/** "namespace/name" of an ImageUpdater. */
export type ImageUpdaterKey = string;

export interface ImageUpdater {
  key: ImageUpdaterKey;
  namespace: string;
  name: string;
  /** The raw object as listed: its metadata and status are the base of a status write. */
  raw: RawImageUpdater;
  /** The parsed spec, or why it could not be read. */
  spec: { ok: true; value: ImageUpdaterSpec } | { ok: false; error: string };
}

export function readImageUpdater(raw: RawImageUpdater): ImageUpdater {
  const { namespace, name } = raw.metadata;
  const key = `${namespace}/${name}`;
  const parsed = spec.safeParse(raw.spec);
  if (parsed.success) return { key, namespace, name, raw, spec: { ok: true, value: parsed.data } };
  const problems = parsed.error.issues.map((issue) => `spec.${issue.path.join('.')}: ${issue.message}`);
  return { key, namespace, name, raw, spec: { ok: false, error: `ImageUpdater ${key} cannot be read: ${problems.join('; ')}` } };
}
