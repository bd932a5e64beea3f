// Local runs reach the cluster through a kubeconfig; the Lambda builds its KubeConfig from EKS instead.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ConfigurationError } from '../config';

/** The kubeconfig path in effect: the flag, else KUBECONFIG, else ~/.kube/config; undefined when none exists. */
export function kubeconfigPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (flag) return flag;
  const fromEnv = env.KUBECONFIG?.split(':').find((path) => path !== '');
  if (fromEnv) return fromEnv;
  const home = join(homedir(), '.kube', 'config');
  return existsSync(home) ? home : undefined;
}

export function loadKubeConfig(path: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  try {
    kubeConfig.loadFromFile(path);
  } catch (error) {
    throw new ConfigurationError(`cannot read kubeconfig ${path}: ${(error as Error).message}`);
  }
  if (!kubeConfig.getCurrentCluster()) {
    throw new ConfigurationError(`kubeconfig ${path} has no current cluster (set current-context)`);
  }
  return kubeConfig;
}
