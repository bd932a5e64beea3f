// Argo CD Applications through @kubernetes/client-node: list, get and JSON-patch.
import { ApiException, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import type { Application } from '../model';
import type { AnnotationsPatch, ApplicationMergePatch } from '../patch/application-patch';
import { keptAliveApiClient } from './api-client';
import { boundedKubeCall } from './call-limits';

const GROUP = 'argoproj.io';
const VERSION = 'v1alpha1';
const PLURAL = 'applications';
const PAGE_SIZE = 500;
/** 500,000 Applications: an API server still sending `continue` after this many pages is broken. */
const MAX_LIST_PAGES = 1000;

/** Counts calls to the Kubernetes API, for the report and the benchmark. */
export interface ApiCallCounter {
  kubeRequests: number;
}

export class ApplicationsApi {
  private readonly api: CustomObjectsApi;

  constructor(
    kubeConfig: KubeConfig,
    private readonly counter: ApiCallCounter = { kubeRequests: 0 },
    /** Epoch ms: the run's hard deadline, which no call outlives. */
    private readonly deadline?: number,
  ) {
    this.api = keptAliveApiClient(kubeConfig, CustomObjectsApi);
  }

  /** Every Application, in one namespace or all, following list pagination. */
  async list(options: { namespace?: string; labelSelector?: string }): Promise<Application[]> {
    const items: Application[] = [];
    const seenTokens = new Set<string>();
    let continueToken: string | undefined;
    do {
      if (seenTokens.size >= MAX_LIST_PAGES) throw new Error(`listing Applications: more than ${MAX_LIST_PAGES} pages`);
      this.counter.kubeRequests++;
      const page = (await boundedKubeCall('list applications', this.deadline, (callOptions) =>
        options.namespace
          ? this.api.listNamespacedCustomObject(
              {
                group: GROUP,
                version: VERSION,
                namespace: options.namespace,
                plural: PLURAL,
                labelSelector: options.labelSelector,
                limit: PAGE_SIZE,
                _continue: continueToken,
              },
              callOptions,
            )
          : this.api.listClusterCustomObject(
              {
                group: GROUP,
                version: VERSION,
                plural: PLURAL,
                labelSelector: options.labelSelector,
                limit: PAGE_SIZE,
                _continue: continueToken,
              },
              callOptions,
            ),
      )) as { items?: Application[]; metadata?: { continue?: string } };
      items.push(...(page.items ?? []));
      continueToken = page.metadata?.continue || undefined;
      if (continueToken !== undefined && seenTokens.has(continueToken)) {
        throw new Error('listing Applications: the API server sent the same continue token twice');
      }
      if (continueToken !== undefined) seenTokens.add(continueToken);
    } while (continueToken);
    return items;
  }

  async get(namespace: string, name: string): Promise<Application> {
    this.counter.kubeRequests++;
    return (await boundedKubeCall(`get application ${namespace}/${name}`, this.deadline, (callOptions) =>
      this.api.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name }, callOptions),
    )) as Application;
  }

  /** An RFC 7386 merge patch; client-node sends JSON patch unless the content type is set per call. */
  async patch(namespace: string, name: string, patch: ApplicationMergePatch | AnnotationsPatch): Promise<Application> {
    this.counter.kubeRequests++;
    return (await boundedKubeCall(
      `patch application ${namespace}/${name}`,
      this.deadline,
      (callOptions) => this.api.patchNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name, body: patch }, callOptions),
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as Application;
  }
}

/** The message of a Kubernetes `Status` error body, or the exception's own text. */
export function kubeErrorMessage(error: unknown): string {
  if (error instanceof ApiException) {
    const body: unknown = typeof error.body === 'string' ? safeJson(error.body) : error.body;
    const message = body && typeof body === 'object' && 'message' in body ? String(body.message) : undefined;
    return `HTTP ${error.code}${message ? `: ${message}` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** A write lost a race: the resourceVersion it carried is stale. */
export function isConflict(error: unknown): boolean {
  return error instanceof ApiException && error.code === 409;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
