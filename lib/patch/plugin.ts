// `spec.source.plugin.env` entries that carry an image (ImageUpdater `manifestTargets.plugin`,
// Argo CD Image Updater v1.3), and how they merge into a source's env list.
import type { ImageRef, PluginTarget } from '../model';
import { formatImage, imageNameWithoutTag, tagWithDigest } from '../image/reference';

export interface EnvEntry {
  name: string;
  value: string;
}

/**
 * With `spec`: one entry holding `[registry/]name[:tag][@digest]`. Otherwise `name` holds
 * `[registry/]name` and `tag` (when given) `tag[@digest]`; an empty tag writes no tag entry.
 */
export function pluginEnvFor(target: PluginTarget, newImage: ImageRef): EnvEntry[] {
  if (target.spec) return [{ name: target.spec, value: formatImage(newImage) }];
  const tag = tagWithDigest(newImage);
  return [
    ...(target.name ? [{ name: target.name, value: imageNameWithoutTag(newImage) }] : []),
    ...(target.tag && tag ? [{ name: target.tag, value: tag }] : []),
  ];
}

/** As Argo CD's AddEnvEntry: an entry replaces the one of the same name where it stands, or is appended. */
export function mergePluginEnv(existing: EnvEntry[] | undefined, updates: EnvEntry[]): EnvEntry[] {
  const byName = new Map(updates.map((update) => [update.name, update]));
  const merged = (existing ?? []).map((entry) => byName.get(entry.name) ?? entry);
  const present = new Set(merged.map((entry) => entry.name));
  return [...merged, ...updates.filter((update) => !present.has(update.name))];
}
