// Argo CD Image Updater v1.x's `ImageUpdater` resources through @kubernetes/client-node: list
// (every namespace or one), get, and replace the status subresource. The spec is never written.
import { ApiException, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { ApiCallCounter } from './applications';
import { keptAliveApiClient } from './api-client';
import { boundedKubeCall } from './call-limits';

export const IMAGE_UPDATER_GROUP = 'argocd-image-updater.argoproj.io';
const VERSION = 'v1alpha1';
const PLURAL = 'imageupdaters';

/** An ImageUpdater as the API returns it, before its spec is parsed (lib/imageupdater/resource.ts). */
export interface RawImageUpdater {
  metadata: { name: string; namespace: string; generation?: number; resourceVersion?: string; uid?: string };
  spec?: unknown;
  status?: unknown;
  [field: string]: unknown;
}

/** What listing found: the resources, or why this cluster has none to offer (no CRD, no RBAC). */
export type ImageUpdaterListing = { available: true; items: RawImageUpdater[] } | { available: false; reason: string };

export class ImageUpdatersApi {
  private readonly api: CustomObjectsApi;

  constructor(
    kubeConfig: KubeConfig,
    private readonly counter: ApiCallCounter = { kubeRequests: 0 },
    /** Epoch ms: the run's hard deadline, which no call outlives. */
    private readonly deadline?: number,
  ) {
    this.api = keptAliveApiClient(kubeConfig, CustomObjectsApi);
  }

  /**
   * Every ImageUpdater, in one namespace or all. A 404 (the CRD is not installed) and a 403 (RBAC
   * grants nothing on imageupdaters) are answers, not failures: annotation mode goes on alone.
   */
  async list(namespace: string | undefined): Promise<ImageUpdaterListing> {
    this.counter.kubeRequests++;
    try {
      const page = (await boundedKubeCall('list imageupdaters', this.deadline, (options) =>
        namespace
          ? this.api.listNamespacedCustomObject({ group: IMAGE_UPDATER_GROUP, version: VERSION, namespace, plural: PLURAL }, options)
          : this.api.listClusterCustomObject({ group: IMAGE_UPDATER_GROUP, version: VERSION, plural: PLURAL }, options),
      )) as { items?: RawImageUpdater[] };
      return { available: true, items: page.items ?? [] };
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) {
        return { available: false, reason: `the ImageUpdater CRD (imageupdaters.${IMAGE_UPDATER_GROUP}) is not installed` };
      }
      if (error instanceof ApiException && error.code === 403) {
        return { available: false, reason: `RBAC does not allow listing imageupdaters.${IMAGE_UPDATER_GROUP}` };
      }
      throw error;
    }
  }

  async get(namespace: string, name: string): Promise<RawImageUpdater> {
    this.counter.kubeRequests++;
    return (await boundedKubeCall(`get imageupdater ${namespace}/${name}`, this.deadline, (options) =>
      this.api.getNamespacedCustomObject({ group: IMAGE_UPDATER_GROUP, version: VERSION, namespace, plural: PLURAL, name }, options),
    )) as RawImageUpdater;
  }

  /** PUT `/status`: the body's `metadata.resourceVersion` is a precondition (409 when stale). */
  async replaceStatus(resource: RawImageUpdater): Promise<RawImageUpdater> {
    this.counter.kubeRequests++;
    const { namespace, name } = resource.metadata;
    return (await boundedKubeCall(`update status of imageupdater ${namespace}/${name}`, this.deadline, (options) =>
      this.api.replaceNamespacedCustomObjectStatus({ group: IMAGE_UPDATER_GROUP, version: VERSION, namespace, plural: PLURAL, name, body: resource }, options),
    )) as RawImageUpdater;
  }
}
