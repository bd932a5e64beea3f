// `write-back-target: kustomization`: the `images:` list of a kustomization edited as
// `kustomize edit set image` would, field by field in place, so nothing else in the file moves.
import { parseAllDocuments } from 'yaml';
import { imageNameWithoutTag, isDockerHub, parseImageReference } from '../../image/reference';
import type { ImageRef } from '../../model';
import type { ImageChange } from '../../patch/application-patch';
import { YamlEditor } from './yaml-edit';

/** The file names kustomize looks for in a directory, in its order. */
export const KUSTOMIZATION_FILE_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

interface KustomizeImage {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

/**
 * The kustomization's new text with every change set in `images:`, or undefined when nothing
 * changes. An entry is found by its `name` (the `kustomize.image-name`, else the image), by its
 * `newName`, or by a name that is the same Docker Hub image written another way (`nginx`,
 * `docker.io/library/nginx`); it keeps its other fields, and a new entry is appended.
 * @throws Error when the file is not exactly one YAML document or `images` is not a list of maps.
 */
export function updateKustomization(text: string, changes: ImageChange[]): string | undefined {
  const documents = parseAllDocuments(text);
  if (!Array.isArray(documents) || documents.length !== 1) throw new Error('a kustomization must be exactly one YAML document');
  const editor = new YamlEditor(text);
  for (const change of changes) setImage(editor, change);
  const updated = editor.toString();
  return updated === text ? undefined : updated;
}

function setImage(editor: YamlEditor, { spec, newImage }: ImageChange): void {
  const images = editor.get(['images']) ?? [];
  if (!Array.isArray(images) || !images.every((entry) => typeof entry === 'object' && entry !== null)) {
    throw new Error('images is not a list of maps');
  }
  const wanted = imageEntry(spec.kustomizeImageName, newImage);
  const index = (images as KustomizeImage[]).findIndex(
    (entry) => entry.name === wanted.name || entry.newName === imageNameWithoutTag(newImage) || (!spec.kustomizeImageName && sameHubImage(entry.name, newImage)),
  );
  if (index < 0) return editor.append(['images'], wanted);
  const existing = images[index] as KustomizeImage;
  for (const field of ['newName', 'newTag', 'digest'] as const) {
    const value = wanted[field];
    if (value !== undefined && existing[field] !== value) editor.set(['images', index, field], value);
  }
  // A tag without a digest unpins the image, as `kustomize edit set image name:tag` does.
  if (wanted.digest === undefined && wanted.newTag !== undefined && existing.digest !== undefined) editor.delete(['images', index, 'digest']);
}

function imageEntry(kustomizeImageName: string | undefined, newImage: ImageRef): KustomizeImage {
  const image = imageNameWithoutTag(newImage);
  return {
    name: kustomizeImageName ?? image,
    ...(kustomizeImageName !== undefined && { newName: image }),
    ...(newImage.tag && { newTag: newImage.tag }),
    ...(newImage.digest && { digest: newImage.digest }),
  };
}

function sameHubImage(name: unknown, image: ImageRef): boolean {
  if (typeof name !== 'string' || !isDockerHub(image.registry)) return false;
  try {
    const ref = parseImageReference(name);
    return isDockerHub(ref.registry) && ref.name === image.name;
  } catch {
    return false;
  }
}
