// Reads Kubernetes Secrets for `pullsecret:` and `secret:` credential references.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { registerSecret } from '../report/secrets';
import type { ApiCallCounter } from './applications';
import { boundedKubeCall } from './call-limits';

export class KubeSecretReader {
  private readonly api: CoreV1Api;

  constructor(
    kubeConfig: KubeConfig,
    private readonly counter: ApiCallCounter = { kubeRequests: 0 },
    /** Epoch ms: the run's hard deadline, which no call outlives. */
    private readonly deadline?: number,
  ) {
    this.api = kubeConfig.makeApiClient(CoreV1Api);
  }

  /** The Secret's data, base64-decoded; every value is registered as a secret before it is returned. */
  async readSecret(namespace: string, name: string): Promise<Record<string, string>> {
    this.counter.kubeRequests++;
    const secret = await boundedKubeCall(`get secret ${namespace}/${name}`, this.deadline, (callOptions) =>
      this.api.readNamespacedSecret({ namespace, name }, callOptions),
    );
    const data: Record<string, string> = {};
    for (const [key, encoded] of Object.entries(secret.data ?? {})) {
      const value = Buffer.from(encoded, 'base64').toString('utf8');
      registerSecret(value);
      data[key] = value;
    }
    return data;
  }
}
