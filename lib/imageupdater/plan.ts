// Both worlds in one cycle: which Applications ImageUpdater resources drive (each with the settings
// of its winning applicationRef) and which keep their v0.x annotations. An Application selected by
// a resource is driven by that resource only; one selected by two resources is an error naming
// both and is not written (the reference flips it between them every cycle); an annotated
// Application no resource selects works as before. Pure: no I/O.
import type { ApplicationSettings, SettingsDefaults } from '../annotations/settings';
import type { Application, AppKey, Log } from '../model';
import { appKey, hasImageList } from '../scan/applications';
import type { ImageUpdater } from './resource';
import { matchingRefs, rankRefs, type Selector } from './selection';
import { settingsForApplication } from './settings';

export interface ApplicationWork {
  app: Application;
  /** From an ImageUpdater; undefined: read from the app's annotations. */
  settings?: ApplicationSettings;
}

export interface ImageUpdaterOutcome {
  imageUpdater: ImageUpdater;
  /** Why the whole resource failed (unreadable spec, malformed namePattern): it drives nothing. */
  failure?: string;
  /** The Applications this resource drives in this cycle. */
  apps: Application[];
  /** Applications it selected but cannot drive (selected by another resource too, bad writeBackConfig). */
  appErrors: AppKey[];
}

export interface CyclePlan {
  work: ApplicationWork[];
  outcomes: ImageUpdaterOutcome[];
  /** One error per Application that is selected but cannot be driven; nothing is written to it. */
  errors: { app: AppKey; reason: string }[];
}

export function planCycle(apps: Application[], imageUpdaters: ImageUpdater[], defaults: SettingsDefaults, log: Log): CyclePlan {
  const ready = imageUpdaters.map((imageUpdater) => prepare(imageUpdater, log));
  const work: ApplicationWork[] = [];
  const errors: CyclePlan['errors'] = [];
  for (const app of apps) {
    const key = appKey(app);
    const claims = ready.flatMap((candidate) => {
      if (!candidate.selector || candidate.outcome.imageUpdater.namespace !== app.metadata.namespace) return [];
      const refs = matchingRefs(candidate.selector, app);
      return refs.length > 0 ? [{ candidate, refs }] : [];
    });
    if (claims.length > 1) {
      const names = claims.map(({ candidate }) => `ImageUpdater ${candidate.outcome.imageUpdater.key}`);
      errors.push({ app: key, reason: `application ${key} is selected by ${names.join(' and ')}; update it through one of them only. Nothing is written` });
      for (const { candidate } of claims) candidate.outcome.appErrors.push(key);
      continue;
    }
    const [claim] = claims;
    if (!claim) {
      if (hasImageList(app)) work.push({ app });
      continue;
    }
    const { outcome } = claim.candidate;
    const { spec } = outcome.imageUpdater;
    if (!spec.ok) continue;
    for (const { ref, index } of claim.refs) {
      const result = settingsForApplication({
        imageUpdater: outcome.imageUpdater,
        spec: spec.value,
        ref,
        index,
        app: key,
        annotations: app.metadata.annotations ?? {},
        defaults,
      });
      if (result.kind === 'fall-through') {
        log.debug(`${result.reason}; trying the next matching applicationRef`, { app: key, imageUpdater: outcome.imageUpdater.key });
        continue;
      }
      if (result.kind === 'error') {
        errors.push({ app: key, reason: result.reason });
        outcome.appErrors.push(key);
      } else {
        work.push({ app, settings: result.settings });
        outcome.apps.push(app);
      }
      break;
    }
  }
  return { work, outcomes: ready.map(({ outcome }) => outcome), errors };
}

interface Prepared {
  outcome: ImageUpdaterOutcome;
  /** Undefined when the resource failed. */
  selector?: Selector;
}

function prepare(imageUpdater: ImageUpdater, log: Log): Prepared {
  const outcome: ImageUpdaterOutcome = { imageUpdater, apps: [], appErrors: [] };
  const fields = { imageUpdater: imageUpdater.key };
  if (!imageUpdater.spec.ok) {
    log.error(imageUpdater.spec.error, fields);
    return { outcome: { ...outcome, failure: imageUpdater.spec.error } };
  }
  try {
    const selector = rankRefs(imageUpdater.spec.value);
    for (const warning of selector.warnings) log.warn(`ImageUpdater ${imageUpdater.key}: ${warning}`, fields);
    return { outcome, selector };
  } catch (error) {
    const failure = `ImageUpdater ${imageUpdater.key}: ${(error as Error).message}`;
    log.error(failure, fields);
    return { outcome: { ...outcome, failure } };
  }
}
