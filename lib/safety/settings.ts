// The rollout safety settings an Application opts into: `health-gate` (update only a Synced and
// Healthy application; default from the operator) and `revert-window` (write the previous image
// back when an update fails within this long). Read from the Application's own annotations, also
// for applications an ImageUpdater resource drives.
import { ANNOTATION_PREFIX } from '../annotations/settings';
import { parseGoDuration } from '../duration';
import { AnnotationError, type AppKey } from '../model';

export const HEALTH_GATE_ANNOTATION = `${ANNOTATION_PREFIX}health-gate`;
export const REVERT_WINDOW_ANNOTATION = `${ANNOTATION_PREFIX}revert-window`;

export interface SafetySettings {
  healthGate: boolean;
  /** Undefined: no automatic revert. */
  revertWindowMs?: number;
  /** A bad value stops the application: it asked for a safety net it would not get. */
  errors: AnnotationError[];
}

export function readSafetySettings(app: AppKey, annotations: Record<string, string>, defaults: { healthGate: boolean }): SafetySettings {
  const errors: AnnotationError[] = [];
  const read = (key: string): string | undefined => (Object.hasOwn(annotations, key) ? annotations[key]?.trim() : undefined);

  let healthGate = defaults.healthGate;
  const gate = read(HEALTH_GATE_ANNOTATION);
  if (gate !== undefined && gate !== '') {
    if (gate === 'true' || gate === 'false') healthGate = gate === 'true';
    else errors.push(new AnnotationError(app, HEALTH_GATE_ANNOTATION, gate, 'expected true or false'));
  }

  let revertWindowMs: number | undefined;
  const window = read(REVERT_WINDOW_ANNOTATION);
  if (window !== undefined && window !== '') {
    const ms = parseGoDuration(window);
    if (ms === undefined || ms <= 0) errors.push(new AnnotationError(app, REVERT_WINDOW_ANNOTATION, window, 'expected a positive duration such as 10m or 1h'));
    else revertWindowMs = ms;
  }
  return { healthGate, ...(revertWindowMs !== undefined && { revertWindowMs }), errors };
}
