// The `image-list` annotation: `[<alias>=]<image_path>[:<version_constraint>]`, comma separated.
import type { ImageRef } from '../model';
import { parseImageReference } from '../image/reference';

export interface ImageListEntry {
  alias?: string;
  /** The image as written, tag and digest included. */
  image: ImageRef;
  /** The "tag" part: a semver range, the tag the digest strategy tracks, or unused. */
  constraint?: string;
}

/** The entries of an image-list value: split on `,`, each trimmed; empty entries are dropped. */
export function imageListEntries(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/**
 * One entry. The alias is the text before the first `=`, as in the reference, except when that
 * `=` belongs to the constraint (`nginx:>=1.2`, `nginx:=1.2`, `nginx:!=1.2`): the reference would
 * take `nginx:>` as the alias and `1.2` as the image, an entry that can never match anything.
 * @throws Error when the image part is empty or not an image reference.
 */
export function parseImageListEntry(entry: string): ImageListEntry {
  const { alias, reference } = splitAlias(entry);
  const image = parseImageReference(reference);
  return { ...(alias && { alias }), image, ...(image.tag && { constraint: image.tag }) };
}

/** All entries of an image-list value. @throws Error on the first entry that is not an image. */
export function parseImageList(value: string): ImageListEntry[] {
  return imageListEntries(value).map(parseImageListEntry);
}

function splitAlias(entry: string): { alias?: string; reference: string } {
  const equals = entry.indexOf('=');
  if (equals === -1) return { reference: entry };
  const head = entry.slice(0, equals);
  if (isInsideConstraint(head)) return { reference: entry };
  return { alias: head, reference: entry.slice(equals + 1) };
}

/** A `:` after the last `/` starts the tag, and comparison operators never appear in an alias. */
function isInsideConstraint(head: string): boolean {
  return head.lastIndexOf(':') > head.lastIndexOf('/') || /[<>!~^|\s]/.test(head);
}
