// What the Argo CD application controller writes into an Application's status after it compared
// the Application with its sources (and maybe synced it): sync and health status, the running
// images, the last operation, the revision and `reconciledAt`. Tests call it between runs.
import { isJsonObject, kubeTimestamp, objectAt, type JsonObject } from './json';

export interface ControllerOutcome {
  health: 'Healthy' | 'Progressing' | 'Degraded' | 'Suspended' | 'Missing' | 'Unknown';
  /** Default `Synced`. */
  sync?: 'Synced' | 'OutOfSync' | 'Unknown';
  /**
   * The running images (`status.summary.images`). Default: when `Synced`, the images the
   * Kustomize source names (what a sync of a write-back `argocd` app deploys); otherwise unchanged.
   */
  images?: string[];
  /** The sync operation that just finished (or runs). */
  operation?: { phase: 'Running' | 'Succeeded' | 'Failed' | 'Error'; message?: string };
  /** The git revision compared against (`status.sync.revision`). */
  revision?: string;
}

/** Applies `outcome` to `application` in place; `reconciledAt` is at least a second after any earlier one. */
export function reconcileApplication(application: JsonObject, outcome: ControllerOutcome): void {
  const status = objectAt(application, 'status');
  const sync = outcome.sync ?? 'Synced';
  const previous = typeof status.reconciledAt === 'string' ? Date.parse(status.reconciledAt) : 0;
  // Timestamps have whole seconds: the next one up, so that it is after anything written before.
  const at = new Date(Math.max(Math.ceil(Date.now() / 1000) * 1000 + 1000, previous + 1000));
  status.reconciledAt = kubeTimestamp(at);
  status.sync = { status: sync, ...(outcome.revision !== undefined && { revision: outcome.revision }) };
  status.health = { status: outcome.health };
  const images = outcome.images ?? (sync === 'Synced' ? kustomizeImages(application) : undefined);
  if (images) status.summary = { ...objectAt(status, 'summary'), images };
  if (outcome.operation) {
    const { phase, message } = outcome.operation;
    status.operationState = {
      operation: { sync: {} },
      phase,
      ...(message !== undefined && { message }),
      startedAt: kubeTimestamp(new Date(at.getTime() - 1000)),
      ...(phase !== 'Running' && { finishedAt: kubeTimestamp(at) }),
    };
  }
}

function kustomizeImages(application: JsonObject): string[] | undefined {
  const spec = objectAt(application, 'spec');
  const source = spec.source;
  const kustomize = isJsonObject(source) ? source.kustomize : undefined;
  const images = isJsonObject(kustomize) ? kustomize.images : undefined;
  return Array.isArray(images) ? images.filter((image): image is string => typeof image === 'string').map((image) => image.split('=').at(-1) ?? image) : undefined;
}
