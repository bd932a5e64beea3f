// Helm parameters that carry an image, and how they merge into a source's parameter list.
import type { HelmParameter, ImageRef, ImageSpecification } from '../model';
import { formatImage, imageNameWithoutTag, tagWithDigest } from '../image/reference';

/**
 * With `helm.image-spec`: one parameter holding `[registry/]name[:tag][@digest]`. Otherwise the
 * `helm.image-name` parameter holds `[registry/]name` and `helm.image-tag` holds `tag`,
 * `tag@digest` or `latest@digest`; an empty tag is left out (v0.18), so a force-updated image with
 * no tag yet keeps the chart's. All are forceString, as the reference writes them.
 */
export function helmParametersFor(spec: Pick<ImageSpecification, 'helm'>, newImage: ImageRef): HelmParameter[] {
  const { imageName, imageTag, imageSpec } = spec.helm;
  if (imageSpec) return [{ name: imageSpec, value: formatImage(newImage), forceString: true }];
  const tag = tagWithDigest(newImage);
  return [
    { name: imageName, value: imageNameWithoutTag(newImage), forceString: true },
    ...(tag ? [{ name: imageTag, value: tag, forceString: true }] : []),
  ];
}

/** `updates` replace the parameters of the same name where they stand; the others are appended. */
export function mergeHelmParameters(existing: HelmParameter[] | undefined, updates: HelmParameter[]): HelmParameter[] {
  const byName = new Map(updates.map((update) => [update.name, update]));
  const merged = (existing ?? []).map((parameter) => byName.get(parameter.name) ?? parameter);
  const present = new Set(merged.map((parameter) => parameter.name));
  return [...merged, ...updates.filter((update) => !present.has(update.name))];
}
