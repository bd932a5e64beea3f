// The `ImagesUpdated` Kubernetes event the reference creates after a successful write.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Application } from '../model';

export interface ImageChangeNote {
  fullImageName: string;
  imageName: string;
  oldTag: string;
  newTag: string;
}

export async function createImagesUpdatedEvent(kubeConfig: KubeConfig, app: Application, changes: ImageChangeNote[], now: Date): Promise<void> {
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
  await kubeConfig.makeApiClient(CoreV1Api).createNamespacedEvent({
    namespace,
    body: {
      metadata: { name: `${name}.${nanos.toString(16)}`, namespace, annotations },
      involvedObject: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', name, namespace, uid, resourceVersion },
      reason: 'ImagesUpdated',
      type: 'Normal',
      message: `Successfully updated application '${name}'`,
      source: { component: 'ArgocdImageUpdater' },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    },
  });
}
