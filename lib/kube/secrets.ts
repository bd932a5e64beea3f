// Reads Kubernetes Secrets for `pullsecret:` and `secret:` credential references.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { registerSecret } from '../report/secrets';
import type { ApiCallCounter } from './applications';
import { keptAliveApiClient } from './api-client';
import { boundedKubeCall } from './call-limits';

export class KubeSecretReader {
  private readonly api: CoreV1Api;

  constructor(
    kubeConfig: KubeConfig,
    private readonly counter: ApiCallCounter = { kubeRequests: 0 },
    /** Epoch ms: the run's hard deadline, which no call outlives. */
    private readonly deadline?: number,
  ) {
    this.api = keptAliveApiClient(kubeConfig, CoreV1Api);
  }

  /**
   * The Secret's data, base64-decoded; every value is registered as a secret before it is returned,
   * except those of `publicFields` (a repository URL, a project name), which logs may show.
   */
  async readSecret(namespace: string, name: string, publicFields: readonly string[] = []): Promise<Record<string, string>> {
    this.counter.kubeRequests++;
    const secret = await boundedKubeCall(`get secret ${namespace}/${name}`, this.deadline, (callOptions) =>
      this.api.readNamespacedSecret({ namespace, name }, callOptions),
    );
    return decode(secret.data, publicFields);
  }

  /** The Secrets of a namespace matching a label selector, decoded and registered like `readSecret`'s. */
  async listSecrets(namespace: string, labelSelector: string, publicFields: readonly string[] = []): Promise<ListedSecret[]> {
    this.counter.kubeRequests++;
    const list = await boundedKubeCall(`list secrets in ${namespace}`, this.deadline, (callOptions) =>
      this.api.listNamespacedSecret({ namespace, labelSelector }, callOptions),
    );
    return list.items.map((secret) => ({
      name: secret.metadata?.name ?? '',
      labels: secret.metadata?.labels ?? {},
      data: decode(secret.data, publicFields),
    }));
  }
}

export interface ListedSecret {
  name: string;
  labels: Record<string, string>;
  data: Record<string, string>;
}

function decode(encoded: Record<string, string> | undefined, publicFields: readonly string[]): Record<string, string> {
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(encoded ?? {})) {
    const text = Buffer.from(value, 'base64').toString('utf8');
    if (!publicFields.includes(key)) registerSecret(text);
    data[key] = text;
  }
  return data;
}
