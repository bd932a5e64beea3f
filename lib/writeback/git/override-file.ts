// The `.argocd-source-<app>.yaml` override file Argo CD merges over an Application's source: its
// `kustomize.images` or `helm.parameters` merged by image or parameter name, everything else kept.
import { isDeepStrictEqual } from 'node:util';
import { parse } from 'yaml';
import type { ApplicationSource, HelmParameter, SourceType } from '../../model';
import type { ImageChange } from '../../patch/application-patch';
import { helmParametersFor } from '../../patch/helm';
import { mergeKustomizeImages, sameEntryName } from '../../patch/kustomize';
import { isBlankYaml, renderYaml, YamlEditor } from './yaml-edit';

const IMAGES = ['kustomize', 'images'];
const PARAMETERS = ['helm', 'parameters'];

/**
 * The override file's new text, or undefined when its content would not change. Argo CD applies
 * it as a JSON merge patch, where a list replaces the spec's whole list: so a Kustomize file lists
 * every image of the spec and every tracked image; a Helm file carries only image parameters
 * (the reference v0.x copied every live parameter, #1174) next to the user's own entries.
 * @throws Error when the existing file is not YAML or its lists are not lists.
 */
export function updateOverrideFile(existing: string | undefined, type: SourceType, source: ApplicationSource, changes: ImageChange[]): string | undefined {
  const blank = isBlankYaml(existing);
  const editor = new YamlEditor(blank ? '' : existing);
  if (type === 'Kustomize') mergeImages(editor, source, changes);
  else mergeParameters(editor, changes);
  if (!blank && isDeepStrictEqual(parse(existing), editor.toJSON())) return undefined;
  return blank ? renderYaml(editor.toJSON()) : editor.toString();
}

function mergeImages(editor: YamlEditor, source: ApplicationSource, changes: ImageChange[]): void {
  const current = editor.get(IMAGES);
  if (current !== undefined && current !== null && !isStringList(current)) throw new Error('kustomize.images is not a list of strings');
  const before = (current ?? []) as string[];
  // The spec's own entries survive the merge only when the file names them too.
  let images = [...before];
  for (const entry of source.kustomize?.images ?? []) {
    if (!images.some((image) => sameEntryName(image, entry))) images.push(entry);
  }
  for (const { spec, newImage } of changes) images = mergeKustomizeImages(images, spec, newImage);
  images.forEach((image, index) => {
    if (index < before.length) {
      if (image !== before[index]) editor.set([...IMAGES, index], image);
    } else editor.append(IMAGES, image);
  });
}

function mergeParameters(editor: YamlEditor, changes: ImageChange[]): void {
  const current = editor.get(PARAMETERS);
  if (current !== undefined && current !== null && !Array.isArray(current)) throw new Error('helm.parameters is not a list');
  const entries = (current ?? []) as unknown[];
  const wanted = changes.flatMap(({ spec, newImage }) => helmParametersFor(spec, newImage));
  for (const parameter of wanted) {
    const index = entries.findIndex((entry) => isRecord(entry) && entry.name === parameter.name);
    if (index < 0) {
      editor.append(PARAMETERS, fileParameter(parameter));
      entries.push(fileParameter(parameter));
      continue;
    }
    const entry = entries[index] as Record<string, unknown>;
    if (entry.value !== parameter.value) editor.set([...PARAMETERS, index, 'value'], parameter.value);
    // Argo CD reads the key case-insensitively; the reference writes it lower case.
    const forceKey = 'forceString' in entry ? 'forceString' : 'forcestring';
    if (entry[forceKey] !== true) editor.set([...PARAMETERS, index, forceKey], true);
  }
}

function fileParameter(parameter: HelmParameter): Record<string, unknown> {
  return { name: parameter.name, value: parameter.value, forcestring: parameter.forceString ?? false };
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The file name Argo CD reads for this application: `.argocd-source-<app>.yaml`, or
 * `.argocd-source-<namespace>_<app>.yaml` when the application lives outside Argo CD's namespace
 * (Argo CD's `InstanceName`).
 */
export function overrideFileName(name: string, namespace: string, argocdNamespace: string): string {
  const instance = namespace === '' || namespace === argocdNamespace ? name : `${namespace}_${name}`;
  return `.argocd-source-${instance}.yaml`;
}
