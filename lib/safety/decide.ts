// What the rollout safety features make of one Application before anything is resolved: revert a
// failed update, take a person's rollback as the new baseline (holding the version rolled back
// from), or go on, possibly behind the health gate. Pure: the caller reads and writes.
import type { StrategyName } from '../model';
import { compareVersions, parseVersion } from '../policy/semver-version';
import { operationFailedSince, reconciledSince, type RolloutStatus } from './rollout-status';
import type { SafetySettings } from './settings';
import type { Hold, UpdaterState, WrittenImage } from './state';

/** A tracked alias as this run sees it. */
export interface TrackedImage {
  strategy: StrategyName;
  /** The running version (`tag[@digest]`), undefined when the image is not live. */
  live?: string;
}

export type SafetyVerdict =
  /** `images`: from the failed version back to the previous one. */
  | { kind: 'revert'; images: WrittenImage[]; cause: string }
  /** `images`: from what the updater wrote to what a person put there; `holds`: the versions rolled back from. */
  | { kind: 'changed-by-hand'; images: WrittenImage[]; holds: Hold[] }
  /** `gate`: why no update may be written now, when the health gate holds them back. */
  | { kind: 'continue'; gate?: string };

export interface SafetyInput {
  now: Date;
  status: RolloutStatus;
  state: UpdaterState;
  settings: SafetySettings;
  tracked: ReadonlyMap<string, TrackedImage>;
}

export function decideSafety(input: SafetyInput): SafetyVerdict {
  return failedUpdate(input) ?? changedByHand(input) ?? { kind: 'continue', ...gate(input) };
}

/** An update of this window that Argo CD reports Degraded (running it) or whose sync failed. */
function failedUpdate({ now, status, state, settings, tracked }: SafetyInput): SafetyVerdict | undefined {
  const last = state.last;
  if (!last || last.kind !== 'update' || settings.revertWindowMs === undefined) return undefined;
  if (now.getTime() - last.at.getTime() > settings.revertWindowMs) return undefined;
  const revertible = last.images.filter((image) => image.from !== undefined && tracked.has(image.alias));
  if (revertible.length === 0) return undefined;
  let cause: string | undefined;
  if (operationFailedSince(status, last.at)) {
    cause = `its sync operation ${status.operationPhase === 'Error' ? 'errored' : 'failed'}${status.operationMessage ? `: ${status.operationMessage}` : ''}`;
  } else if (status.health === 'Degraded' && reconciledSince(status, last.at) && revertible.every((image) => tracked.get(image.alias)?.live === image.to)) {
    cause = 'it turned Degraded running the new version';
  }
  if (!cause) return undefined;
  return { kind: 'revert', images: revertible.map(({ alias, from, to }) => ({ alias, from: to, to: from as string })), cause };
}

/**
 * Argo CD, synced after the updater's write, runs another version than the one written: a person
 * changed it (in the spec or in git). An older version is a rollback: the version rolled back from
 * is held. Either way the person's version becomes the baseline.
 */
function changedByHand({ status, state, tracked }: SafetyInput): SafetyVerdict | undefined {
  const last = state.last;
  if (!last || status.sync !== 'Synced' || !reconciledSince(status, last.at)) return undefined;
  // Git write-back: until Argo CD compares against a newer revision, it has not seen the commit.
  if (last.revision !== undefined && status.revision === last.revision) return undefined;
  const images: WrittenImage[] = [];
  const holds: Hold[] = [];
  for (const image of last.images) {
    const current = tracked.get(image.alias);
    if (!current?.live || current.live === image.to) continue;
    images.push({ alias: image.alias, from: image.to, to: current.live });
    if (isOlder(current.live, image.to, current.strategy)) holds.push({ alias: image.alias, version: image.to });
  }
  return images.length > 0 ? { kind: 'changed-by-hand', images, holds } : undefined;
}

function gate({ status, state, settings, tracked }: SafetyInput): { gate?: string } {
  if (!settings.healthGate) return {};
  if (status.operationPhase === 'Running') return { gate: 'a sync operation is running' };
  const pending = (state.last?.images ?? []).filter((image) => {
    const live = tracked.get(image.alias)?.live;
    return live !== undefined && live !== image.to;
  });
  if (pending.length > 0) {
    return { gate: `the last update is still progressing (${pending.map((image) => `${image.alias} ${image.to}`).join(', ')} not running yet)` };
  }
  if (status.sync !== 'Synced') return { gate: `its sync status is ${status.sync ?? 'unknown'}, not Synced` };
  if (status.health !== 'Healthy') return { gate: `its health is ${status.health ?? 'unknown'}, not Healthy` };
  return {};
}

/**
 * Whether `version` is older than `than` for the strategy: semver by precedence, alphabetical by
 * name. Build and push times are not in the annotations: for the other strategies any other
 * version than the one written counts as older.
 */
export function isOlder(version: string, than: string, strategy: StrategyName): boolean {
  const tag = (text: string) => text.split('@')[0] ?? text;
  if (strategy === 'alphabetical') return tag(version) < tag(than);
  if (strategy === 'semver') {
    const a = parseVersion(tag(version));
    const b = parseVersion(tag(than));
    if (a && b) return compareVersions(a, b) < 0;
  }
  return version !== than;
}
