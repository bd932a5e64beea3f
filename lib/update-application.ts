// One Application through the cycle: annotations → due? → live images → resolution → one write.
// Everything that goes wrong here is reported for this application only; the cycle goes on.
import { blocksApplication, readApplicationSettings, type ApplicationSettings } from './annotations/settings';
import type { CycleOptions } from './config';
import { isDeadlineReached } from './deadline';
import { formatImage, imageNameWithoutTag, tagWithDigest } from './image/reference';
import { liveImageFor } from './image/liveness';
import type { ApplicationsApi } from './kube/applications';
import type { KubeEvents } from './kube/events';
import type { Application, Decision, ImageRef, ImageSpecification, Log } from './model';
import { applicationSourceType } from './patch/source';
import type { CycleReport } from './report/cycle-report';
import { redact } from './report/secrets';
import type { RegistryAccess } from './resolve/registry-access';
import { resolveImage, type UnsignedTag } from './resolve/resolve-image';
import { appKey } from './scan/applications';
import { isDue } from './scan/schedule';
import type { ImageChange } from './patch/application-patch';
import { writeApplicationSpec } from './writeback/argocd';
import type { GitWriteBack } from './writeback/git/batch';
import { changedImage } from './writeback/git/templates';
import { RolloutGuard } from './safety/guard';
import type { WrittenImage } from './safety/state';
import type { NotifiedImage, Notifier } from './notify/notification';
import { signatureGate } from './verify/image-signatures';
import type { PublicKeys } from './verify/public-keys';

export interface CycleServices {
  api: ApplicationsApi;
  events: KubeEvents;
  registries: RegistryAccess;
  /** Write-back method `git`: changes collected per run, written per repository at its end. */
  git: GitWriteBack;
  options: CycleOptions;
  report: CycleReport;
  log: Log;
  /** The run's scheduled time: the clock the `interval` annotation is read against. */
  scheduledAt: Date;
  /** Told of each update, revert, hold and persistent failure (IMAGE_UPDATER_EVENT_BUS). */
  notifier: Notifier;
  /** A run started by a push to a repository these applications track: `interval` does not apply. */
  pushTriggered?: boolean;
  /** The cosign public keys images with signature verification name, read once per cycle. */
  publicKeys: PublicKeys;
}

/** `settings` come from an ImageUpdater resource, or by default from the app's annotations. */
export async function updateApplication(
  app: Application,
  services: CycleServices,
  settings: ApplicationSettings = annotationSettings(app, services.options),
): Promise<void> {
  const { options, report, log } = services;
  const key = appKey(app);
  for (const warning of settings.warnings) log.warn(warning, { app: key });

  const blockingError = settings.errors.some(blocksApplication);
  if (!blockingError && !services.pushTriggered && !isDue(key, settings.intervalMinutes, services.scheduledAt, options.scheduleMinutes)) {
    report.applicationNotDue();
    log.debug(`${key}: not due in this run (interval ${settings.intervalMinutes} min)`, { app: key });
    return;
  }
  const type = applicationSourceType(app);
  // A Plugin source is written only through ImageUpdater plugin targets (Argo CD Image Updater v1.3).
  const pluginless = type === 'Plugin' ? settings.images.filter((image) => !image.plugin) : [];
  if (!type || (pluginless.length > 0 && pluginless.length === settings.images.length)) {
    log.warn(`skipping application ${key}: not of a supported source type (Helm, Kustomize, or Plugin with manifestTargets.plugin)`, {
      app: key,
      sourceType: app.status?.sourceType ?? app.status?.sourceTypes ?? null,
    });
    return;
  }
  report.applicationProcessed();

  const guard = RolloutGuard.open(app, settings, type, services);
  for (const error of [...settings.errors, ...guard.errors]) {
    report.record({ app: key, alias: error.alias ?? '*', image: error.value, outcome: 'error', reason: error.message });
  }
  // Annotations that decide where or whether to write stop the whole application.
  if (blockingError || guard.errors.length > 0) return;
  const now = new Date();
  // A failed update reverted, or a manual rollback recorded: nothing else for this run.
  if (await guard.intervene(now)) return;
  for (const spec of pluginless) {
    const reason = 'a Plugin application is written only through an ImageUpdater manifestTargets.plugin target';
    report.record({ app: key, alias: spec.alias, image: imageNameWithoutTag(spec.image), outcome: 'skipped', reason });
  }
  const writable = settings.images.filter((spec) => !pluginless.includes(spec));
  const resolved = await Promise.all(writable.map((spec) => resolveForApplication(app, spec, services, guard)));
  const updates = resolved.flatMap((r) => (r.update ? [r.update] : []));
  if (updates.length === 0) return;
  const written = updates.map(writtenImage);
  if (await guard.holdsBack(written)) return;

  // As the reference does, images that stay as they are are set too, so the spec names every image.
  const changes = resolved.flatMap((r) => (r.change ? [r.change] : []));
  if (options.dryRun) {
    log.info(`dry run: not writing ${updates.length} change(s) to ${key}`, { app: key });
    for (const { decision } of updates) report.record(decision);
    return;
  }
  if (settings.writeBack.method === 'git') {
    // Written with the other applications of its repository when the cycle flushes the batch.
    const moved = updates.map(({ live, change }) => changedImage(live, change));
    services.git.add({ app, writeBack: settings.writeBack, type, changes, moved }, async (outcome) => {
      if (outcome.status === 'written') {
        await recordWritten(services, app, updates);
        await guard.recordGitUpdate(written, new Date());
      } else recordNotWritten(services, updates, outcome.status === 'error' ? 'error' : 'unchanged', outcome.reason);
    });
    return;
  }
  try {
    const result = await writeApplicationSpec(services.api, app, changes, type, log, guard.updateAnnotations(written, now));
    if (result.written) await recordWritten(services, result.app, updates);
    else recordNotWritten(services, updates, 'unchanged', result.reason);
  } catch (error) {
    if (isDeadlineReached(error)) throw error;
    recordNotWritten(services, updates, 'error', redact((error as Error).message));
  }
}

/** An annotation-driven app's settings; the operator's cosign key, when set, applies to every image. */
function annotationSettings(app: Application, options: CycleOptions): ApplicationSettings {
  const settings = readApplicationSettings(appKey(app), app.metadata.annotations ?? {}, {
    platforms: options.defaultPlatforms,
    secretNamespaces: options.secretNamespaces,
  });
  const path = options.cosignPublicKeyFile;
  if (!path) return settings;
  return { ...settings, images: settings.images.map((image) => ({ ...image, cosignKey: { kind: 'file', path } })) };
}

async function recordWritten(services: CycleServices, app: Application, updates: ImageUpdate[]): Promise<void> {
  for (const { decision } of updates) services.report.record(decision);
  services.notifier.publish({ kind: 'ImagesUpdated', app: appKey(app), images: updates.map(notifiedImage), at: new Date() });
  if (services.options.kubeEvents) await announce(services, app, updates);
}

function recordNotWritten(services: CycleServices, updates: ImageUpdate[], outcome: 'unchanged' | 'error', reason: string): void {
  for (const { decision } of updates) services.report.record({ ...decision, outcome, reason });
}

interface ImageUpdate {
  decision: Decision;
  live: ImageRef;
  change: ImageChange;
}

function notifiedImage(update: ImageUpdate): NotifiedImage {
  return { ...writtenImage(update), image: imageNameWithoutTag(update.change.spec.image) };
}

function writtenImage({ change, live }: ImageUpdate): WrittenImage {
  const from = tagWithDigest(live);
  return { alias: change.spec.alias, ...(from !== '' && { from }), to: tagWithDigest(change.newImage) };
}

/** Decisions other than updates are recorded at once; an update's waits for the write's outcome. */
interface ResolvedImage {
  /** What the spec should name for this image, moved or as it runs; absent when unresolved. */
  change?: ImageChange;
  update?: ImageUpdate;
}

async function resolveForApplication(app: Application, spec: ImageSpecification, services: CycleServices, guard: RolloutGuard): Promise<ResolvedImage> {
  const { report } = services;
  const base = { app: appKey(app), alias: spec.alias, image: imageNameWithoutTag(spec.image), strategy: spec.strategy };
  const live = liveImageFor(spec, app);
  if (!live) {
    report.record({ ...base, outcome: 'skipped', reason: 'image is not live in this application (status.summary.images)' });
    return {};
  }
  report.imageConsidered();
  const from = formatImage(live);
  try {
    const repository = await services.registries.repository(spec.image, spec.pullSecret);
    const signatures = spec.cosignKey && signatureGate(repository, await services.publicKeys.key(spec.cosignKey));
    const resolution = await resolveImage(spec, live, repository, signatures);
    for (const { tag, reason } of resolution.unsigned ?? []) {
      services.log.warn(`application ${base.app}: image ${base.image}: tag ${tag} skipped: ${reason}`, { ...base, tag, reason });
    }
    if (resolution.kind === 'none' && resolution.unsigned) {
      report.record({ ...base, from, outcome: 'skipped', reason: resolution.reason });
      return {};
    }
    if (resolution.kind === 'none') {
      // As the reference does: with nothing to choose from, the running image stays and is up to date.
      report.record({ ...base, from, to: from, outcome: 'unchanged', reason: resolution.reason });
      return {};
    }
    if (resolution.kind === 'current') {
      report.record({ ...base, from, to: from, outcome: 'unchanged', reason: resolution.reason });
      return { change: { spec, newImage: resolution.image } };
    }
    const version = tagWithDigest(resolution.newImage);
    if (guard.isHeld(spec.alias, version)) {
      report.record({ ...base, from, to: from, outcome: 'unchanged', reason: `${spec.strategy} picks ${version}, which is held (held-tags)` });
      return {};
    }
    const change = { spec, newImage: resolution.newImage };
    const reason = `${spec.strategy} picks ${tagWithDigest(resolution.newImage)}${signatureNote(spec, resolution.unsigned)}`;
    const decision: Decision = { ...base, from, to: formatImage(resolution.newImage), outcome: 'updated', reason };
    return { change, update: { decision, live, change } };
  } catch (error) {
    // Cut by the run's deadline, the application is not reached: a later run does it.
    if (isDeadlineReached(error)) throw error;
    report.record({ ...base, from, outcome: 'error', reason: redact((error as Error).message) });
    return {};
  }
}

/** How the signature check shaped the pick, for the decision's reason. */
function signatureNote(spec: ImageSpecification, unsigned: UnsignedTag[] | undefined): string {
  if (!spec.cosignKey) return '';
  const skipped = unsigned ? `; skipped without a valid signature: ${unsigned.map((entry) => entry.tag).join(', ')}` : '';
  return ` (cosign signature verified${skipped})`;
}

async function announce(services: CycleServices, app: Application, updates: ImageUpdate[]): Promise<void> {
  const notes = updates.map(({ change, live }) => ({
    fullImageName: formatImage(change.newImage),
    imageName: change.spec.image.name,
    oldTag: tagWithDigest(live),
    newTag: tagWithDigest(change.newImage),
  }));
  try {
    await services.events.imagesUpdated(app, notes, new Date());
  } catch (error) {
    services.log.warn(`could not create the ImagesUpdated event for ${appKey(app)}: ${(error as Error).message}`, { app: appKey(app) });
  }
}
