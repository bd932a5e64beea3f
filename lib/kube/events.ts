// The `ImagesUpdated` Kubernetes event the reference creates after a successful write, and this
// project's `ImagesReverted` after a failed update was written back to the previous image.
import { CoreV1Api, type CoreV1Event, type KubeConfig } from '@kubernetes/client-node';
import type { Application } from '../model';
import type { ApiCallCounter } from './applications';
import { keptAliveApiClient } from './api-client';
import { boundedKubeCall } from './call-limits';

export interface ImageChangeNote {
  fullImageName: string;
  imageName: string;
  oldTag: string;
  newTag: string;
}

export class KubeEvents {
  private readonly api: CoreV1Api;

  constructor(
    kubeConfig: KubeConfig,
    private readonly counter: ApiCallCounter = { kubeRequests: 0 },
    /** Epoch ms: the run's hard deadline, which no call outlives. */
    private readonly deadline?: number,
  ) {
    this.api = keptAliveApiClient(kubeConfig, CoreV1Api);
  }

  async imagesUpdated(app: Application, changes: ImageChangeNote[], now: Date): Promise<void> {
    await this.create(app, applicationEvent(app, changes, now, { reason: 'ImagesUpdated', type: 'Normal', message: `Successfully updated application '${app.metadata.name}'` }));
  }

  /** `changes`: from the failed version (old) back to the previous one (new). */
  async imagesReverted(app: Application, changes: ImageChangeNote[], now: Date, cause: string): Promise<void> {
    const message = `Reverted application '${app.metadata.name}' to its previous images: ${cause}`;
    await this.create(app, applicationEvent(app, changes, now, { reason: 'ImagesReverted', type: 'Warning', message }));
  }

  private async create(app: Application, body: CoreV1Event): Promise<void> {
    this.counter.kubeRequests++;
    await boundedKubeCall(`create event for ${app.metadata.namespace}/${app.metadata.name}`, this.deadline, (callOptions) =>
      this.api.createNamespacedEvent({ namespace: app.metadata.namespace, body }, callOptions),
    );
  }
}

function applicationEvent(
  app: Application,
  changes: ImageChangeNote[],
  now: Date,
  { reason, type, message }: { reason: string; type: 'Normal' | 'Warning'; message: string },
): CoreV1Event {
  const annotations: Record<string, string> = {};
  changes.forEach((change, index) => {
    const prefix = `argocd-image-updater.image-${index}`;
    annotations[`${prefix}/full-image-name`] = change.fullImageName;
    annotations[`${prefix}/image-name`] = change.imageName;
    annotations[`${prefix}/old-tag`] = change.oldTag;
    annotations[`${prefix}/new-tag`] = change.newTag;
  });
  const { name, namespace, uid, resourceVersion } = app.metadata;
  // Same naming as the reference: `<app>.<unix nanoseconds in hex>`.
  const nanos = BigInt(now.getTime()) * 1_000_000n;
  return {
    metadata: { name: `${name}.${nanos.toString(16)}`, namespace, annotations },
    involvedObject: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', name, namespace, uid, resourceVersion },
    reason,
    type,
    message,
    source: { component: 'ArgocdImageUpdater' },
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  };
}
