// The write-branch template of `git-branch: <base>:<template>` and the commit message template,
// with the reference's data: image names without the registry, tags (or digests) before and after.
import { createHash } from 'node:crypto';
import type { ImageRef } from '../../model';
import type { ImageChange } from '../../patch/application-patch';
import { executeGoTemplate, TemplateError, type GoTemplate } from './go-template';

/** One image that moves, as both templates see it. */
export interface ChangedImage {
  /** The repository path without the registry. */
  name: string;
  alias: string;
  /** The tag, or the digest when the image is pinned by one. */
  oldTag: string;
  newTag: string;
}

/** An image that moves from `live` as `change` says. */
export function changedImage(live: ImageRef, change: ImageChange): ChangedImage {
  return { name: change.newImage.name, alias: change.spec.alias, oldTag: live.digest ?? live.tag ?? '', newTag: change.newImage.digest ?? change.newImage.tag ?? '' };
}

export const DEFAULT_COMMIT_MESSAGE_TEMPLATE = `build: automatic update of {{ .AppName }}

{{ range .AppChanges -}}
updates image {{ .Image }} tag '{{ .OldTag }}' to '{{ .NewTag }}'
{{ end -}}
`;

const MAX_BRANCH_LENGTH = 255;

/**
 * The write branch for these changes: the template run over `.Images` (`.Name`, `.Alias`,
 * `.OldTag`, `.NewTag`), `.SHA256` (sha256 of `<Name>-<OldTag>-<NewTag>,` over the images),
 * `.AppName` and `.AppNamespace`, cut to 255 characters.
 * @throws Error when the template fails or makes no valid branch name.
 */
export function writeBranchName(template: GoTemplate, images: ChangedImage[], app: { name: string; namespace: string }): string {
  const sha256 = createHash('sha256')
    .update(images.map((image) => `${image.name}-${image.oldTag}-${image.newTag},`).join(''))
    .digest('hex');
  const data = {
    Images: images.map((image) => ({ Name: image.name, Alias: image.alias, OldTag: image.oldTag, NewTag: image.newTag })),
    SHA256: sha256,
    AppName: app.name,
    AppNamespace: app.namespace,
  };
  let name: string;
  try {
    name = executeGoTemplate(template, data).slice(0, MAX_BRANCH_LENGTH);
  } catch (error) {
    throw new Error(`git branch name could not be created from the template: ${(error as Error).message}`);
  }
  if (!isValidBranchName(name)) throw new Error(`git branch name ${JSON.stringify(name)} made from the template is not a valid branch name`);
  return name;
}

/** `git check-ref-format --branch`, for the names a template can make. */
export function isValidBranchName(name: string): boolean {
  if (name === '' || name === '@' || name.startsWith('-') || name.startsWith('/') || name.endsWith('/') || name.endsWith('.')) return false;
  if (name.includes('..') || name.includes('@{') || name.includes('//') || /[\s~^:?*[\\]/.test(name)) return false;
  if ([...name].some((character) => character.charCodeAt(0) < 0x20 || character.charCodeAt(0) === 0x7f)) return false;
  return name.split('/').every((part) => !part.startsWith('.') && !part.endsWith('.lock'));
}

/** The commit message for one application; the reference's fallback when the template fails. */
export function commitMessage(template: GoTemplate, appName: string, images: ChangedImage[]): string {
  const data = {
    AppName: appName,
    AppChanges: images.map((image) => ({ Image: image.name, OldTag: image.oldTag, NewTag: image.newTag })),
  };
  try {
    return executeGoTemplate(template, data);
  } catch (error) {
    if (error instanceof TemplateError) return `build: update of application ${appName}`;
    throw error;
  }
}
