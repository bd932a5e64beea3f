// An `ImageUpdater` (argocd-image-updater.argoproj.io/v1alpha1) read at the boundary into types that
// say what each field may hold. The API server has validated it against its CRD, but objects stored
// under an older CRD, or written where the CRD was changed, still arrive: a resource that does not
// fit is reported as that resource's error, never half-read.
import { z } from 'zod';
import type { RawImageUpdater } from '../kube/imageupdaters';

const commonUpdateSettings = z.object({
  updateStrategy: z.string().optional(),
  forceUpdate: z.boolean().optional(),
  allowTags: z.string().optional(),
  ignoreTags: z.array(z.string()).optional(),
  pullSecret: z.string().optional(),
  platforms: z.array(z.string()).optional(),
});

const targetNames = z.object({ name: z.string().optional(), tag: z.string().optional(), spec: z.string().optional() });

const manifestTargets = z.object({
  helm: targetNames.optional(),
  kustomize: z.object({ name: z.string() }).optional(),
  plugin: targetNames.optional(),
});

const imagesVerification = z.object({
  enabled: z.boolean().optional(),
  cosignKey: z.object({ secretName: z.string(), key: z.string() }).optional(),
});

const imageConfig = z.object({
  alias: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9-._]*$/),
  imageName: z.string(),
  commonUpdateSettings: commonUpdateSettings.optional(),
  manifestTargets: manifestTargets.optional(),
  imagesVerification: imagesVerification.optional(),
});

const gitConfig = z.object({
  repository: z.string().optional(),
  branch: z.string().optional(),
  writeBackTarget: z.string().optional(),
  pullRequest: z
    .object({ github: z.record(z.string(), z.unknown()).optional(), gitlab: z.record(z.string(), z.unknown()).optional(), labels: z.array(z.string()).optional() })
    .optional(),
});

const writeBackConfig = z.object({
  method: z.string().optional(),
  gitConfig: gitConfig.optional(),
});

const labelSelector = z.object({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z
    .array(z.object({ key: z.string(), operator: z.string(), values: z.array(z.string()).optional() }))
    .optional(),
});

const applicationRef = z.object({
  namePattern: z.string(),
  labelSelectors: labelSelector.optional(),
  useAnnotations: z.boolean().optional(),
  images: z.array(imageConfig).optional(),
  commonUpdateSettings: commonUpdateSettings.optional(),
  writeBackConfig: writeBackConfig.optional(),
  imagesVerification: imagesVerification.optional(),
});

const spec = z.object({
  applicationRefs: z.array(applicationRef).min(1),
  commonUpdateSettings: commonUpdateSettings.optional(),
  writeBackConfig: writeBackConfig.optional(),
  imagesVerification: imagesVerification.optional(),
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
