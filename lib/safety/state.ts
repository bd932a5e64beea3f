// The updater's memory of an Application, kept only in annotations it owns on that Application
// (no database): what it last wrote (`last-update`), the versions it must not pick (`held-tags`,
// which people edit to release a hold) and why the health gate last held an update back
// (`health-gate-skip`, so that a skip is logged once, not every run).
import * as z from '../zod';
import { MAX_ANNOTATION_VALUE_LENGTH } from '../annotations/limits';
import { ANNOTATION_PREFIX } from '../annotations/settings';

export const LAST_UPDATE_ANNOTATION = `${ANNOTATION_PREFIX}last-update`;
export const HELD_TAGS_ANNOTATION = `${ANNOTATION_PREFIX}held-tags`;
export const GATE_SKIP_ANNOTATION = `${ANNOTATION_PREFIX}health-gate-skip`;

/** One image the updater wrote: its alias, the version it replaced and the version written (`tag[@digest]`). */
export interface WrittenImage {
  alias: string;
  from?: string;
  to: string;
}

/**
 * What the updater last wrote. `update`: a new version it chose; `revert`: the previous version
 * written back after a failed update; `rollback`: a person's rollback, taken as the new baseline.
 */
export interface LastUpdate {
  kind: 'update' | 'revert' | 'rollback';
  at: Date;
  images: WrittenImage[];
  /** Git write-back: the revision Argo CD had compared against before the write. */
  revision?: string;
}

/** A version the updater does not pick for an alias (any alias when `alias` is undefined). */
export interface Hold {
  alias?: string;
  version: string;
}

export interface UpdaterState {
  last?: LastUpdate;
  holds: Hold[];
  gateSkip?: string;
  /** Owned annotations that could not be read, in words for the log. */
  problems: string[];
}

const lastUpdateSchema = z.object({
  kind: z.enum(['update', 'revert', 'rollback']),
  at: z.iso.datetime(),
  images: z
    .array(z.object({ alias: z.string().check(z.minLength(1)), from: z.optional(z.string().check(z.minLength(1))), to: z.string().check(z.minLength(1)) }))
    .check(z.maxLength(50)),
  revision: z.optional(z.string()),
});

export function readUpdaterState(annotations: Record<string, string>): UpdaterState {
  const problems: string[] = [];
  const read = (key: string): string | undefined => (Object.hasOwn(annotations, key) ? annotations[key] : undefined);
  let last: LastUpdate | undefined;
  const lastText = read(LAST_UPDATE_ANNOTATION);
  if (lastText !== undefined) {
    last = parseLastUpdate(lastText);
    if (!last) problems.push(`annotation ${LAST_UPDATE_ANNOTATION} is not what the updater writes; ignored (the updater rewrites it at its next write)`);
  }
  const gateSkip = read(GATE_SKIP_ANNOTATION);
  return { ...(last && { last }), holds: parseHolds(read(HELD_TAGS_ANNOTATION) ?? ''), ...(gateSkip && { gateSkip }), problems };
}

export function parseLastUpdate(text: string): LastUpdate | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = lastUpdateSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const { kind, at, images, revision } = parsed.data;
  return { kind, at: new Date(at), images, ...(revision !== undefined && { revision }) };
}

/**
 * The annotation value for `last`. Digests make entries long: images that would take the value
 * past what the updater reads back are left out (and are then neither reverted nor watched).
 */
export function formatLastUpdate(last: LastUpdate): string {
  const images = [...last.images];
  for (;;) {
    const text = JSON.stringify({ kind: last.kind, at: last.at.toISOString(), images, ...(last.revision !== undefined && { revision: last.revision }) });
    if (text.length <= MAX_ANNOTATION_VALUE_LENGTH || images.length === 0) return text;
    images.pop();
  }
}

/** `alias=version` entries, or a bare `version` held for every alias, comma-separated. */
export function parseHolds(text: string): Hold[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const equals = entry.indexOf('=');
      if (equals < 0) return { version: entry };
      const alias = entry.slice(0, equals).trim();
      const version = entry.slice(equals + 1).trim();
      return alias === '' ? { version } : { alias, version };
    })
    .filter((hold) => hold.version !== '');
}

/**
 * The annotation value listing `holds`, and the oldest holds left out to keep it within what the
 * updater reads back (the list is append-only: the first entries are the oldest).
 */
export function formatHolds(holds: Hold[]): { value: string; dropped: Hold[] } {
  const unique = holds.filter((hold, index) => holds.findIndex((other) => sameHold(other, hold)) === index);
  const entries = unique.map((hold) => (hold.alias === undefined ? hold.version : `${hold.alias}=${hold.version}`));
  let first = 0;
  while (entries.slice(first).join(',').length > MAX_ANNOTATION_VALUE_LENGTH) first++;
  return { value: entries.slice(first).join(','), dropped: unique.slice(0, first) };
}

export function isHeld(holds: Hold[], alias: string, version: string): boolean {
  return holds.some((hold) => (hold.alias === undefined || hold.alias === alias) && hold.version === version);
}

function sameHold(a: Hold, b: Hold): boolean {
  return a.alias === b.alias && a.version === b.version;
}
