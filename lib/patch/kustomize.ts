// `kustomize.images` entries (`[<old-name>=]<image>[:tag][@digest]`) after an image change.
import type { ImageRef, ImageSpecification } from '../model';
import { parseImageListEntry } from '../annotations/image-list';
import { formatImage } from '../image/reference';

/**
 * The images list with `newImage` set, as the reference does it: the entry is `<kustomize.image-name>=<image>`
 * when that annotation is set, else `<image>`. First, every entry for the same repository path
 * (registry ignored, so `jannfis/foobar:1.0.1` is the entry for `gcr.io/jannfis/foobar`) is
 * rewritten to the new entry; then the entry is merged as Argo CD merges one: it replaces the entry
 * with the same name, or is appended. Argo CD cuts the name at the first `=`, else `:`, else `@`,
 * which for `localhost:5000/a` is `localhost`; here the name is the image without its tag and
 * digest, so two images of one registry with a port are not confused.
 */
export function mergeKustomizeImages(
  existing: string[] | undefined,
  spec: Pick<ImageSpecification, 'kustomizeImageName'>,
  newImage: ImageRef,
): string[] {
  const entry = spec.kustomizeImageName ? `${spec.kustomizeImageName}=${formatImage(newImage)}` : formatImage(newImage);
  const images = (existing ?? []).map((current) => (repositoryPath(current) === newImage.name ? entry : current));
  const index = images.findIndex((current) => sameEntryName(current, entry));
  if (index === -1) return [...images, entry];
  images[index] = entry;
  return images;
}

/** The repository path an entry is for (its new image when it has an `=`), or undefined. */
function repositoryPath(entry: string): string | undefined {
  try {
    return parseImageListEntry(entry).image.name;
  } catch {
    return undefined;
  }
}

/** Argo CD's `KustomizeImage.Match`: both cut at the delimiter of `entry`, `=` before a tag or digest. */
export function sameEntryName(current: string, entry: string): boolean {
  if (entry.includes('=')) return current.split('=')[0] === entry.split('=')[0];
  return imageName(current) === imageName(entry);
}

/** `registry:5000/name:tag@digest` → `registry:5000/name`. */
function imageName(image: string): string {
  const withoutDigest = image.split('@')[0] ?? image;
  const colon = withoutDigest.lastIndexOf(':');
  return colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, colon) : withoutDigest;
}
