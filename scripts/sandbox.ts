// The built-in local sandbox behind `npm start` when no cluster is configured: a real registry
// (Debian's docker-registry) standing in for ghcr.io, a local Kubernetes API with the worked
// example Application, and the built `image-updater` CLI run against them exactly as a user would.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kustomizeApp } from '../test/support/applications';
import { startKubeApi } from '../test/support/kube-api';
import { closeRegistryConnections } from '../lib/registry/transport';
import { pushImages, startRegistry } from '../test/support/registry';

const REPOSITORY = 'nginxinc/nginx-unprivileged';
const TAGS = ['1.26.2', '1.27.0', '1.27.1', '1.27.2', '1.27.3', '1.27.4', '1.27.5-rc.1', '1.28.0'];

async function main(): Promise<void> {
  const registry = await startRegistry();
  const kube = await startKubeApi({ tls: true, imageUpdaterCrd: true });
  try {
    say(`registry: docker-registry on ${registry.url}, serving as ghcr.io`);
    await pushImages(registry, TAGS.map((tag) => ({ repository: REPOSITORY, tag })));
    say(`pushed ghcr.io/${REPOSITORY} tags ${TAGS.join(', ')}`);

    kube.setApplication(
      kustomizeApp({
        name: 'web',
        namespace: 'argocd',
        settings: {
          'image-list': `app=ghcr.io/${REPOSITORY}`,
          'app.update-strategy': 'semver',
          'app.semver': '>=1.27.0 <1.28.0',
          'write-back-method': 'argocd',
          interval: '1m',
        },
        liveImages: [`ghcr.io/${REPOSITORY}:1.27.0`],
      }),
    );
    say(`kubernetes: API on ${kube.url} with Application argocd/web running ghcr.io/${REPOSITORY}:1.27.0`);

    const dir = mkdtempSync(join(tmpdir(), 'image-updater-sandbox-'));
    const registriesConf = join(dir, 'registries.conf');
    writeFileSync(registriesConf, `registries:\n- name: ghcr (local sandbox)\n  prefix: ghcr.io\n  api_url: ${registry.url}\n`);
    const args = ['dist/image-updater.js', 'run', '--once', '--kubeconfig', kube.kubeconfigPath(), '--registries-conf', registriesConf, ...process.argv.slice(2)];
    say(`running: image-updater ${args.slice(1).join(' ')}\n`);
    // Asynchronous: the local Kubernetes API answers from this very process.
    const child = spawn(process.execPath, args, { stdio: 'inherit' });
    const [code] = (await once(child, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`image-updater exited with ${code}`);

    const images = kube.application('argocd', 'web')?.spec.source?.kustomize?.images ?? [];
    say(`\nApplication argocd/web spec.source.kustomize.images: ${JSON.stringify(images)}`);
  } finally {
    await closeRegistryConnections();
    await Promise.all([registry.stop(), kube.stop()]);
  }
}

function say(text: string): void {
  process.stderr.write(`[sandbox] ${text}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`[sandbox] failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
