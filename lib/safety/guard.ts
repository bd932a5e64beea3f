// The rollout safety features for one Application in one run, around the update: before anything
// is resolved it reverts a failed update or takes a person's change as the new baseline; while
// resolving it keeps held versions from being picked; before writing, the health gate may hold the
// updates back; with each write it records what was written, in annotations the updater owns.
import type { ApplicationSettings } from '../annotations/settings';
import { formatImage, imageNameWithoutTag, parseImageReference, tagWithDigest } from '../image/reference';
import { liveImageFor } from '../image/liveness';
import { isConflict, kubeErrorMessage, type ApplicationsApi } from '../kube/applications';
import type { KubeEvents } from '../kube/events';
import type { AnnotationError, Application, AppKey, ImageSpecification, Log, SourceType } from '../model';
import { buildApplicationPatch, type AnnotationsChange, type ImageChange } from '../patch/application-patch';
import type { CycleReport } from '../report/cycle-report';
import { redact } from '../report/secrets';
import { appKey } from '../scan/applications';
import { writeApplicationSpec } from '../writeback/argocd';
import type { GitWriteBack } from '../writeback/git/batch';
import type { NotifiedImage, Notifier } from '../notify/notification';
import { decideSafety, type SafetyVerdict, type TrackedImage } from './decide';
import { rolloutStatus, type RolloutStatus } from './rollout-status';
import { readSafetySettings, type SafetySettings } from './settings';
import {
  formatHolds,
  formatLastUpdate,
  GATE_SKIP_ANNOTATION,
  HELD_TAGS_ANNOTATION,
  isHeld,
  LAST_UPDATE_ANNOTATION,
  parseHolds,
  readUpdaterState,
  type Hold,
  type LastUpdate,
  type UpdaterState,
  type WrittenImage,
} from './state';

/** What the guard needs of the cycle. */
export interface GuardServices {
  api: ApplicationsApi;
  events: KubeEvents;
  git: GitWriteBack;
  report: CycleReport;
  log: Log;
  notifier: Notifier;
  options: { dryRun: boolean; kubeEvents: boolean; healthGate: boolean };
}

/** A guarded patch of the updater's own annotations is retried this many times after a conflict. */
const MAX_ANNOTATION_RETRIES = 4;

export class RolloutGuard {
  private readonly key: AppKey;
  private readonly status: RolloutStatus;
  private readonly state: UpdaterState;
  private verdict?: SafetyVerdict;

  private constructor(
    private readonly app: Application,
    private readonly settings: ApplicationSettings,
    private readonly safety: SafetySettings,
    private readonly type: SourceType,
    private readonly services: GuardServices,
  ) {
    this.key = appKey(app);
    this.status = rolloutStatus(app);
    this.state = readUpdaterState(app.metadata.annotations ?? {});
  }

  static open(app: Application, settings: ApplicationSettings, type: SourceType, services: GuardServices): RolloutGuard {
    const safety = readSafetySettings(appKey(app), app.metadata.annotations ?? {}, { healthGate: services.options.healthGate });
    const guard = new RolloutGuard(app, settings, safety, type, services);
    for (const problem of guard.state.problems) services.log.warn(`${guard.key}: ${problem}`, { app: guard.key });
    return guard;
  }

  /** Bad `health-gate` or `revert-window` values: the application is not written. */
  get errors(): AnnotationError[] {
    return this.safety.errors;
  }

  /**
   * Reverts a failed update, or records a person's change of version (holding the version rolled
   * back from). True when it did either: the application is done for this run.
   */
  async intervene(now: Date): Promise<boolean> {
    this.verdict = decideSafety({ now, status: this.status, state: this.state, settings: this.safety, tracked: this.tracked() });
    if (this.verdict.kind === 'revert') {
      await this.revert(this.verdict.images, this.verdict.cause, now);
      return true;
    }
    if (this.verdict.kind === 'changed-by-hand') {
      await this.acceptManualChange(this.verdict.images, this.verdict.holds, now);
      return true;
    }
    return false;
  }

  /** True when `version` is held for `alias` (`held-tags`): it is not written. */
  isHeld(alias: string, version: string): boolean {
    return isHeld(this.state.holds, alias, version);
  }

  /**
   * True when the health gate holds these updates back. The reason is logged at INFO once: it is
   * kept in an annotation, and only a new reason (or a new pending version) is logged again.
   */
  async holdsBack(updates: WrittenImage[]): Promise<boolean> {
    const reason = this.verdict?.kind === 'continue' ? this.verdict.gate : undefined;
    if (!reason) return false;
    const pending = updates.map((image) => `${image.alias} ${image.from ?? '(none)'} → ${image.to}`).join(', ');
    const skip = `${reason}; pending: ${pending}`;
    const message = `health gate: not updating ${this.key}: ${skip}`;
    if (this.state.gateSkip === skip) {
      this.services.log.debug(message, { app: this.key, outcome: 'gated' });
      return true;
    }
    this.services.log.info(message, { app: this.key, outcome: 'gated', reason, pending: updates });
    if (!this.services.options.dryRun) {
      await this.patchOwned(() => ({ [GATE_SKIP_ANNOTATION]: skip })).catch((error: unknown) => {
        this.services.log.warn(`${this.key}: could not record the health gate skip: ${redact(kubeErrorMessage(error))}`, { app: this.key });
      });
    }
    return true;
  }

  /** The owned annotations written with an update in the same patch (write-back `argocd`). */
  updateAnnotations(updates: WrittenImage[], now: Date): AnnotationsChange {
    const last: LastUpdate = { kind: 'update', at: now, images: updates };
    return { [LAST_UPDATE_ANNOTATION]: formatLastUpdate(last), [GATE_SKIP_ANNOTATION]: null };
  }

  /**
   * Write-back `git`: records the update after its commit was pushed, with the revision Argo CD
   * compared against before (so that a change is not taken for a person's before Argo CD saw it).
   * Not for pull requests: nothing reaches the application until someone merges.
   */
  async recordGitUpdate(updates: WrittenImage[], now: Date): Promise<void> {
    if (this.settings.writeBack.method === 'git' && this.settings.writeBack.pullRequest) return;
    const last: LastUpdate = { kind: 'update', at: now, images: updates, ...(this.status.revision && { revision: this.status.revision }) };
    await this.patchOwned(() => ({ [LAST_UPDATE_ANNOTATION]: formatLastUpdate(last), [GATE_SKIP_ANNOTATION]: null })).catch((error: unknown) => {
      this.services.log.warn(`${this.key}: written, but what was written could not be recorded (no revert nor rollback detection for it): ${redact(kubeErrorMessage(error))}`, {
        app: this.key,
      });
    });
  }

  /** Every tracked alias with its running version. */
  private tracked(): Map<string, TrackedImage> {
    return new Map(
      this.settings.images.map((spec) => {
        const live = liveImageFor(spec, this.app);
        const version = live ? tagWithDigest(live) : '';
        return [spec.alias, { strategy: spec.strategy, ...(version !== '' && { live: version }) }];
      }),
    );
  }

  private specFor(alias: string): ImageSpecification | undefined {
    return this.settings.images.find((spec) => spec.alias === alias);
  }

  /** `images`: from the failed version back to the previous one, through the app's write-back method. */
  private async revert(images: WrittenImage[], cause: string, now: Date): Promise<void> {
    const { log, options } = this.services;
    const changes = images.flatMap(({ alias, to }): ImageChange[] => {
      const spec = this.specFor(alias);
      return spec ? [{ spec, newImage: versionOf(spec, to) }] : [];
    });
    const holds: Hold[] = images.flatMap(({ alias, from }) => (from ? [{ alias, version: from }] : []));
    const described = images.map(({ alias, from, to }) => `${alias} ${from} → ${to}`).join(', ');
    const heldText = holds.map(({ alias, version }) => `${alias}=${version}`).join(',');
    if (options.dryRun) {
      log.warn(`dry run: would revert ${this.key} (${cause}): ${described}; would hold ${heldText}`, { app: this.key, outcome: 'reverted', dryRun: true });
      return;
    }
    const revertRecord: LastUpdate = { kind: 'revert', at: now, images: images.map(({ alias, from, to }) => ({ alias, ...(from && { from }), to })) };
    const owned = (annotations: Record<string, string>): AnnotationsChange => ({
      [LAST_UPDATE_ANNOTATION]: formatLastUpdate(revertRecord),
      [HELD_TAGS_ANNOTATION]: this.heldValue(parseHolds(annotations[HELD_TAGS_ANNOTATION] ?? ''), holds),
      [GATE_SKIP_ANNOTATION]: null,
    });
    const done = async (): Promise<void> => {
      log.warn(`reverted ${this.key} (${cause}): ${described}; holding ${heldText} until a person removes it from ${HELD_TAGS_ANNOTATION}`, {
        app: this.key,
        outcome: 'reverted',
        cause,
        images,
        held: holds,
      });
      this.services.report.imagesReverted(images.length);
      this.services.notifier.publish({ kind: 'ImagesReverted', app: this.key, images: this.notified(images), reason: cause, held: heldEntries(holds), at: now });
      if (options.kubeEvents) await this.announceRevert(images, cause, now);
    };
    const failed = (reason: string): void => {
      this.services.report.record({ app: this.key, alias: '*', image: '*', outcome: 'error', reason: `could not revert (${cause}): ${reason}` });
    };

    if (this.settings.writeBack.method === 'git') {
      const message = `revert: automatic update of ${this.app.metadata.name}\n\n${cause}\n\n${images
        .map(({ alias, from, to }) => `reverts image ${this.specFor(alias)?.image.name ?? alias} tag '${from}' to '${to}'`)
        .join('\n')}\n`;
      const moved = changes.map((change) => ({ name: change.spec.image.name, alias: change.spec.alias, oldTag: '', newTag: tagWithDigest(change.newImage) }));
      this.services.git.add({ app: this.app, writeBack: this.settings.writeBack, type: this.type, changes, moved, message }, async (outcome) => {
        if (outcome.status === 'error') return failed(outcome.reason);
        await this.patchOwned(owned);
        await done();
      });
      return;
    }
    try {
      if (!buildApplicationPatch(this.app, changes, this.type).changed) {
        // The spec already names the previous images: only the state is left to record.
        await this.patchOwned(owned);
      } else {
        const result = await writeApplicationSpec(this.services.api, this.app, changes, this.type, log, owned(this.app.metadata.annotations ?? {}));
        // Its updater annotations changed meanwhile: the next run decides with the new ones.
        if (!result.written) return failed(result.reason);
      }
      await done();
    } catch (error) {
      failed(redact((error as Error).message));
    }
  }

  /** A person put other versions there: their versions become the baseline, rolled-back-from versions are held. */
  private async acceptManualChange(images: WrittenImage[], holds: Hold[], now: Date): Promise<void> {
    const { log, options } = this.services;
    const described = images.map(({ alias, from, to }) => `${alias} ${from} → ${to}`).join(', ');
    if (holds.length === 0) {
      log.debug(`${this.key}: versions changed by hand (${described}); taken as the new baseline`, { app: this.key });
    } else {
      const heldText = holds.map(({ alias, version }) => `${alias}=${version}`).join(',');
      log.info(
        `${this.key} was rolled back by hand (${described}): holding ${heldText} until a newer version appears; remove it from ${HELD_TAGS_ANNOTATION} to release it`,
        { app: this.key, outcome: 'held', images, held: holds },
      );
    }
    if (options.dryRun) return;
    const baseline: LastUpdate = { kind: 'rollback', at: now, images };
    try {
      await this.patchOwned((annotations) => ({
        [LAST_UPDATE_ANNOTATION]: formatLastUpdate(baseline),
        ...(holds.length > 0 && { [HELD_TAGS_ANNOTATION]: this.heldValue(parseHolds(annotations[HELD_TAGS_ANNOTATION] ?? ''), holds) }),
      }));
    } catch (error) {
      this.services.report.record({ app: this.key, alias: '*', image: '*', outcome: 'error', reason: `could not record the rollback: ${redact(kubeErrorMessage(error))}` });
      return;
    }
    if (holds.length > 0) {
      const reason = 'rolled back by hand: held until a newer version appears';
      this.services.notifier.publish({ kind: 'ImagesHeld', app: this.key, images: this.notified(images), reason, held: heldEntries(holds), at: now });
    }
  }

  private notified(images: WrittenImage[]): NotifiedImage[] {
    return images.map((image) => {
      const spec = this.specFor(image.alias);
      return { ...image, ...(spec && { image: imageNameWithoutTag(spec.image) }) };
    });
  }

  /** `held-tags` with `added` appended; the oldest entries go when it would grow past what is read back. */
  private heldValue(current: Hold[], added: Hold[]): string {
    const { value, dropped } = formatHolds([...current, ...added]);
    if (dropped.length > 0) {
      this.services.log.warn(`${this.key}: ${HELD_TAGS_ANNOTATION} is full; released the oldest holds`, { app: this.key, released: dropped });
    }
    return value;
  }

  /** A merge patch of owned annotations, guarded by resourceVersion and recomputed after a conflict. */
  private async patchOwned(compute: (annotations: Record<string, string>) => AnnotationsChange): Promise<void> {
    const { api } = this.services;
    const { namespace, name } = this.app.metadata;
    let current = this.app;
    for (let attempt = 0; ; attempt++) {
      try {
        const annotations = compute(current.metadata.annotations ?? {});
        await api.patch(namespace, name, { metadata: { resourceVersion: current.metadata.resourceVersion, annotations } });
        return;
      } catch (error) {
        if (!isConflict(error) || attempt >= MAX_ANNOTATION_RETRIES) throw error;
        current = await api.get(namespace, name);
      }
    }
  }

  private async announceRevert(images: WrittenImage[], cause: string, now: Date): Promise<void> {
    const notes = images.flatMap(({ alias, from, to }) => {
      const spec = this.specFor(alias);
      if (!spec) return [];
      return [{ fullImageName: formatImage(versionOf(spec, to)), imageName: spec.image.name, oldTag: from ?? '', newTag: to }];
    });
    try {
      await this.services.events.imagesReverted(this.app, notes, now, cause);
    } catch (error) {
      this.services.log.warn(`could not create the ImagesReverted event for ${this.key}: ${(error as Error).message}`, { app: this.key });
    }
  }
}

function heldEntries(holds: Hold[]): string[] {
  return holds.map(({ alias, version }) => (alias === undefined ? version : `${alias}=${version}`));
}

/** The image `spec` names at `version` (`tag[@digest]`). */
function versionOf(spec: ImageSpecification, version: string): ReturnType<typeof parseImageReference> {
  const { tag, digest } = parseImageReference(`${formatImage({ ...spec.image, tag: undefined, digest: undefined })}:${version}`);
  return { registry: spec.image.registry, name: spec.image.name, ...(tag && { tag }), ...(digest && { digest }) };
}
