// Kubernetes API clients whose calls share kept-alive connections. client-node builds a new
// https.Agent for every call, so every list page, patch and event paid a TCP and TLS handshake and
// a new secure context (about 5 ms of CPU each on `npm run bench`, and round trips more on EKS).
import { Agent } from 'node:https';
import { createConfiguration, ServerConfiguration, type Configuration, type KubeConfig, type SecurityAuthentication } from '@kubernetes/client-node';

/**
 * An idle connection is closed after this (or a second before the server's `Keep-Alive: timeout`
 * hint, which Node applies only when a timeout is set): reusing one the server is closing at the
 * same moment would fail the call with ECONNRESET.
 */
const IDLE_TIMEOUT_MS = 15_000;

/** `kubeConfig.makeApiClient(Api)`, with one kept-alive agent for all of this client's calls. */
export function keptAliveApiClient<T>(kubeConfig: KubeConfig, Api: new (configuration: Configuration) => T): T {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  let kept: Agent | undefined;
  const authentication: SecurityAuthentication = {
    getName: () => 'kubeconfig authentication on a kept-alive connection',
    applySecurityAuthentication: async (context) => {
      // Credentials (headers, client certificates) are applied afresh on every call, as client-node does.
      await kubeConfig.applySecurityAuthentication(context);
      const made = context.getAgent();
      // Only a plain TLS agent is kept; a proxy's agent (proxy-url) stays as client-node made it.
      if (made?.constructor !== Agent) return;
      kept ??= new Agent({ ...(made as Agent).options, keepAlive: true, timeout: IDLE_TIMEOUT_MS });
      context.setAgent(kept);
    },
  };
  return new Api(createConfiguration({ baseServer: new ServerConfiguration(cluster.server, {}), authMethods: { default: authentication } }));
}
