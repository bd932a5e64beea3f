// One complete, independent update cycle against one cluster: scan → resolve → patch → report.
// Nothing here depends on an earlier run; what a warm container keeps is only a cache.
import type { KubeConfig } from '@kubernetes/client-node';
import type { CycleOptions } from './config';
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
import { appKey, selectApplications } from './scan/applications';
import { updateApplication } from './update-application';
import { GitWriteBack } from './writeback/git/batch';
import { newGitTally } from './writeback/git/http';

/** Git writes start after the last application; they may use a few seconds past its deadline. */
const GIT_WRITE_GRACE_MS = 5_000;

export interface CycleContext {
  log: Log;
  /** Epoch ms after which no new application is started. */
  deadline?: number;
  /** The run's scheduled time (the EventBridge event's `time`); defaults to now. */
  now?: Date;
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
  const { log } = context;
  const registriesConf = await loadRegistriesConf(options.registriesConfPath).catch((error: Error) => {
    throw new CycleError(`cannot load registries configuration: ${error.message}`);
  });
  const api = new ApplicationsApi(kubeConfig, tally);
  const listed = await api
    .list({ namespace: options.applicationNamespace, labelSelector: options.matchApplicationLabel })
    .catch((error: unknown) => {
      throw new CycleError(`cannot list Argo CD applications on ${kubeConfig.getCurrentCluster()?.server}: ${kubeErrorMessage(error)}`);
    });
  const apps = selectApplications(listed, options.matchApplicationName, log);
  log.debug(`${apps.length} of ${listed.length} applications carry an image-list annotation`, {
    listed: listed.length,
    selected: apps.length,
  });

  const report = new CycleReport(log, options.dryRun);
  const secrets = new KubeSecretReader(kubeConfig, tally);
  const registries = new RegistryAccess(
    new EndpointDirectory(registriesConf),
    secrets,
    tally,
    log,
    { deadline: context.deadline, tagTrustMs: options.metadataCacheMinutes * 60_000 },
  );
  const events = new KubeEvents(kubeConfig, tally);
  const gitDeadline = context.deadline === undefined ? undefined : context.deadline + GIT_WRITE_GRACE_MS;
  const git = new GitWriteBack(options.git, secrets, log, tally.git, gitDeadline);
  const services = { api, events, registries, git, options, report, log, scheduledAt: context.now ?? new Date() };

  await mapLimited(apps, options.maxConcurrency, async (app) => {
    const key: AppKey = appKey(app);
    if (context.deadline !== undefined && Date.now() >= context.deadline) {
      report.applicationNotReached(key);
      return;
    }
    try {
      await updateApplication(app, services);
    } catch (error) {
      report.record({ app: key, alias: '*', image: '*', outcome: 'error', reason: (error as Error).message });
    }
  });
  await git.flush();

  const summary = report.summary(Date.now() - started, tally.registryRequests);
  if (summary.notReached.length > 0) {
    log.warn(`deadline reached: ${summary.notReached.length} application(s) not processed in this run`, {
      notReached: summary.notReached,
    });
  }
  log.info(
    `Processing results: applications=${summary.applications} images_considered=${summary.imagesConsidered} ` +
      `images_skipped=${summary.imagesSkipped} images_updated=${summary.imagesUpdated} errors=${summary.errors}`,
    { summary: { ...summary, registryRequestsByKind: tally.registry, kubeRequests: tally.kubeRequests, git: tally.git } },
  );
  return summary;
}
