// One complete, independent update cycle against one cluster: scan → resolve → patch → report.
// Nothing here depends on an earlier run; what a warm container keeps is only a cache.
import type { KubeConfig } from '@kubernetes/client-node';
import type { CycleOptions } from './config';
import { isDeadlineReached, type RunBudget } from './deadline';
import { ApplicationsApi, kubeErrorMessage } from './kube/applications';
import { KubeEvents } from './kube/events';
import { mapLimited } from './map-limited';
import { KubeSecretReader } from './kube/secrets';
import type { AppKey, CycleSummary, Log } from './model';
import type { RequestCounter } from './registry/client';
import { loadRegistriesConf } from './registry/config';
import { EndpointDirectory } from './registry/endpoints';
import { CycleReport } from './report/cycle-report';
import { RegistryAccess } from './resolve/registry-access';
import { PublicKeys } from './verify/public-keys';
import { planCycle } from './imageupdater/plan';
import { scanImageUpdaters } from './imageupdater/scan';
import { writeImageUpdaterStatuses } from './imageupdater/status';
import { ImageUpdatersApi } from './kube/imageupdaters';
import type { RegistryWork } from './resolve/registry-work';
import { appKey, matchingNames } from './scan/applications';
import { rotationOrder } from './scan/rotation';
import { runIndex } from './scan/schedule';
import { updateApplication } from './update-application';
import { GitWriteBack } from './writeback/git/batch';
import { newGitTally } from './writeback/git/http';
import { EventBusNotifier } from './notify/eventbridge';
import { trackFailures } from './notify/failures';
import { noNotifications } from './notify/notification';
import { appsTrackingPush, describePush, type PushedRepository } from './push/pushed-repository';

export interface CycleContext {
  log: Log;
  /** When to stop starting applications, and when every remote call must have ended; none: no limit. */
  budget?: RunBudget;
  /** Registry answers shared with the invocation's other clusters. */
  registryWork?: RegistryWork;
  /** The run's scheduled time (the EventBridge event's `time`); defaults to now. */
  now?: Date;
  /** The cluster's name in notifications; defaults to the kubeconfig's current context. */
  cluster?: string;
  /** A push-triggered run: only the applications tracking this repository, whatever their `interval`. */
  pushed?: PushedRepository;
}

/** Counts what a cycle asks of the registries and of the Kubernetes API. */
export class RequestTally implements RequestCounter {
  readonly registry: Record<string, number> = {};
  kubeRequests = 0;
  readonly git = newGitTally();

  count(kind: string): void {
    this.registry[kind] = (this.registry[kind] ?? 0) + 1;
  }

  get registryRequests(): number {
    return Object.values(this.registry).reduce((sum, n) => sum + n, 0);
  }
}

/** Applications the deadline left that are named in the log; the rest are counted. */
const NOT_REACHED_LOGGED = 20;

/** Thrown when the cycle cannot run at all (unreadable configuration, cluster unreachable). */
export class CycleError extends Error {
  override name = 'CycleError';
}

export async function runCycle(
  kubeConfig: KubeConfig,
  options: CycleOptions,
  context: CycleContext,
  tally: RequestTally = new RequestTally(),
): Promise<CycleSummary> {
  const started = Date.now();
  const { log, budget } = context;
  const hardDeadline = budget?.hardDeadline;
  const registriesConf = await loadRegistriesConf(options.registriesConfPath).catch((error: Error) => {
    throw new CycleError(`cannot load registries configuration: ${error.message}`);
  });
  const api = new ApplicationsApi(kubeConfig, tally, hardDeadline);
  const listed = await api
    .list({ namespace: options.applicationNamespace, labelSelector: options.matchApplicationLabel })
    .catch((error: unknown) => {
      throw new CycleError(`cannot list Argo CD applications on ${kubeConfig.getCurrentCluster()?.server}: ${kubeErrorMessage(error)}`);
    });
  const imageUpdatersApi = new ImageUpdatersApi(kubeConfig, tally, hardDeadline);
  const imageUpdaters = await scanImageUpdaters(imageUpdatersApi, options.applicationNamespace, log).catch((error: unknown) => {
    throw new CycleError(`cannot list ImageUpdater resources: ${kubeErrorMessage(error)}`);
  });
  const defaults = { platforms: options.defaultPlatforms, secretNamespaces: options.secretNamespaces };
  const plan = planCycle(matchingNames(listed, options.matchApplicationName, log), imageUpdaters, defaults, log);
  const { pushed } = context;
  const apps = pushed ? appsTrackingPush(plan.work, pushed, defaults) : plan.work;
  if (pushed) log.info(`push of ${describePush(pushed)}: ${apps.length} application(s) track it`, { pushed, applications: apps.length });
  log.debug(`${apps.length} of ${listed.length} applications are driven by annotations or ImageUpdater resources`, {
    listed: listed.length,
    selected: apps.length,
    imageUpdaters: imageUpdaters.length,
  });

  const report = new CycleReport(log, options.dryRun);
  const secrets = new KubeSecretReader(kubeConfig, tally, hardDeadline);
  const registries = new RegistryAccess(
    new EndpointDirectory(registriesConf, { allowedRegistries: options.allowedRegistries }),
    secrets,
    tally,
    log,
    {
      deadline: hardDeadline,
      tagTrustMs: options.metadataCacheMinutes * 60_000,
      work: context.registryWork,
      secretsScope: kubeConfig.getCurrentCluster()?.server,
    },
  );
  const events = new KubeEvents(kubeConfig, tally, hardDeadline);
  const scheduledAt = context.now ?? new Date();
  const git = new GitWriteBack(options.git, secrets, log, tally.git, hardDeadline);
  // Notifications tell what was done: a dry run does nothing, so it sends none.
  const cluster = context.cluster ?? kubeConfig.getCurrentContext();
  const notifier = options.eventBus && !options.dryRun ? new EventBusNotifier(options.eventBus, cluster, log, undefined, hardDeadline) : undefined;
  const publicKeys = new PublicKeys(secrets);
  const services = { api, events, registries, git, options, report, log, scheduledAt, notifier: notifier ?? noNotifications, pushTriggered: pushed !== undefined, publicKeys };

  // A push run reports on the applications it concerns; the scheduled runs report the others.
  if (!pushed) for (const { app, reason } of plan.errors) report.record({ app, alias: '*', image: '*', outcome: 'error', reason });
  // Started before the soft deadline, an application finishes; cut at the hard deadline, it is
  // left to a later run. The rotating order makes that a different one each run.
  const ordered = rotationOrder(apps, runIndex(scheduledAt, options.scheduleMinutes));
  await mapLimited(ordered, options.maxConcurrency, async ({ app, settings }) => {
    const key: AppKey = appKey(app);
    if (budget && !budget.mayStart()) {
      report.applicationNotReached(key);
      return;
    }
    try {
      await updateApplication(app, services, settings);
    } catch (error) {
      if (isDeadlineReached(error)) report.applicationNotReached(key);
      else report.record({ app: key, alias: '*', image: '*', outcome: 'error', reason: (error as Error).message });
    }
  });
  await git.flush();
  if (notifier) {
    await trackFailures(listed, report.decisions, { api, notifier, log, concurrency: options.maxConcurrency }, new Date());
    await notifier.flush();
  }

  if (!options.dryRun) await writeImageUpdaterStatuses(imageUpdatersApi, plan.outcomes, report, log);

  const summary = report.summary(Date.now() - started, tally.registryRequests);
  const notReached = summary.notReached.length;
  if (notReached > 0) {
    log.warn(`deadline reached: ${notReached} application(s) left to a later run`, {
      notReached: summary.notReached.slice(0, NOT_REACHED_LOGGED),
      notReachedCount: notReached,
    });
  }
  log.info(
    `Processing results: applications=${summary.applications} images_considered=${summary.imagesConsidered} ` +
      `images_skipped=${summary.imagesSkipped} images_updated=${summary.imagesUpdated} errors=${summary.errors}`,
    { summary: { ...summary, notReached, registryRequestsByKind: tally.registry, kubeRequests: tally.kubeRequests, git: tally.git } },
  );
  return summary;
}
