// Bounds on what one Application's annotations may ask for, checked before anything is parsed:
// an oversized value or image-list would otherwise cost registry requests and log volume per run.

/** The longest annotation value read (Kubernetes allows 256 KiB for all of an object's annotations). */
export const MAX_ANNOTATION_VALUE_LENGTH = 8192;
/** Images one Application may track. */
export const MAX_IMAGE_LIST_ENTRIES = 50;
/** How much of an oversized value an error message shows. */
const SHOWN_PREFIX_LENGTH = 64;

export interface LimitProblem {
  /** The annotation key without the prefix. */
  key: string;
  /** The value as an error may show it: cut when long. */
  shownValue: string;
  reason: string;
}

/** The annotations (keys without prefix → value) that break a limit; empty when all are within. */
export function annotationLimitProblems(settings: ReadonlyMap<string, string>, imageListEntries: (value: string) => string[]): LimitProblem[] {
  const problems: LimitProblem[] = [];
  for (const [key, value] of settings) {
    if (value.length > MAX_ANNOTATION_VALUE_LENGTH) {
      problems.push({ key, shownValue: shorten(value), reason: `${value.length} characters, more than the ${MAX_ANNOTATION_VALUE_LENGTH} read` });
    }
  }
  const imageList = settings.get('image-list');
  if (problems.length === 0 && imageList !== undefined) {
    const count = imageListEntries(imageList).length;
    if (count > MAX_IMAGE_LIST_ENTRIES) {
      problems.push({ key: 'image-list', shownValue: shorten(imageList), reason: `${count} images, more than the ${MAX_IMAGE_LIST_ENTRIES} one application may track` });
    }
  }
  return problems;
}

function shorten(value: string): string {
  return value.length > SHOWN_PREFIX_LENGTH ? `${value.slice(0, SHOWN_PREFIX_LENGTH)}…` : value;
}
