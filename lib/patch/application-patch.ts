// All image changes of one Application as a single RFC 7386 merge patch of its selected source.
import { isDeepStrictEqual } from 'node:util';
import type { Application, ApplicationSource, HelmParameter, ImageRef, ImageSpecification, SourceType } from '../model';
import { helmParametersFor, mergeHelmParameters } from './helm';
import { mergeKustomizeImages } from './kustomize';
import { mergePluginEnv, pluginEnvFor, type EnvEntry } from './plugin';
import { selectSource } from './source';

/** A merge patch body: `metadata.resourceVersion` plus the part of `spec` that changes. */
export interface ApplicationMergePatch {
  metadata: { resourceVersion?: string; annotations?: AnnotationsChange };
  spec: { source?: ApplicationSource; sources?: ApplicationSource[] };
}

export interface ApplicationPatch {
  /** Undefined when nothing changes. */
  patch?: ApplicationMergePatch;
  /** False when every image is already set as wanted ("already set in spec"). */
  changed: boolean;
}

/**
 * The patch that writes `changes` into the source `selectSource` picks: `kustomize.images` for
 * Kustomize, `helm.parameters` for Helm, `plugin.env` for Plugin. It carries the resourceVersion the Application was read
 * at, which the API server takes as a precondition (409 Conflict if anything changed since), so a
 * concurrent edit is never overwritten. A merge patch replaces lists whole: for a multi-source
 * Application the `sources` list is sent as read, with only the selected entry changed. Pass
 * up-to-date images too (with their running tag) to name every tracked image in the spec, as the
 * reference does.
 */
export function buildApplicationPatch(app: Application, changes: ImageChange[], type: SourceType): ApplicationPatch {
  const { path, source } = selectSource(app, type);
  const updated =
    type === 'Kustomize' ? withKustomizeImages(source, changes) : type === 'Plugin' ? withPluginEnv(source, changes) : withHelmParameters(source, changes);
  if (isDeepStrictEqual(updated, source)) return { changed: false };

  const metadata = { resourceVersion: app.metadata.resourceVersion };
  const index = /^\/spec\/sources\/(\d+)$/.exec(path)?.[1];
  if (index === undefined) return { changed: true, patch: { metadata, spec: { source: updated } } };
  const sources = (app.spec.sources ?? []).map((entry, i) => (i === Number(index) ? updated : entry));
  return { changed: true, patch: { metadata, spec: { sources } } };
}

/** Annotations to set, and `null` for those to remove (RFC 7386). */
export type AnnotationsChange = Record<string, string | null>;

/** A merge patch of annotations only, guarded by the resourceVersion they were computed from. */
export interface AnnotationsPatch {
  metadata: { resourceVersion?: string; annotations: AnnotationsChange };
}

/** One image of the application and the image it should name. */
export interface ImageChange {
  spec: ImageSpecification;
  newImage: ImageRef;
}

function withKustomizeImages(source: ApplicationSource, changes: ImageChange[]): ApplicationSource {
  const before = source.kustomize?.images;
  const images = changes.reduce<string[] | undefined>((list, { spec, newImage }) => mergeKustomizeImages(list, spec, newImage), before);
  return isDeepStrictEqual(images, before) ? source : { ...source, kustomize: { ...source.kustomize, images } };
}

function withHelmParameters(source: ApplicationSource, changes: ImageChange[]): ApplicationSource {
  const before = source.helm?.parameters;
  const parameters = changes.reduce<HelmParameter[] | undefined>(
    (list, { spec, newImage }) => mergeHelmParameters(list, helmParametersFor(spec, newImage)),
    before,
  );
  return isDeepStrictEqual(parameters, before) ? source : { ...source, helm: { ...source.helm, parameters } };
}

/** Images without a plugin target are not written to a Plugin source (the cycle reports them). */
function withPluginEnv(source: ApplicationSource, changes: ImageChange[]): ApplicationSource {
  const before = source.plugin?.env;
  const env = changes.reduce<EnvEntry[] | undefined>(
    (list, { spec, newImage }) => (spec.plugin ? mergePluginEnv(list, pluginEnvFor(spec.plugin, newImage)) : list),
    before,
  );
  return isDeepStrictEqual(env, before) ? source : { ...source, plugin: { ...source.plugin, env } };
}
