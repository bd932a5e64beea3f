// Where a registry an annotation names may send the function: public addresses only, checked on
// the addresses DNS returns and the socket connects to; the operator's allowlist narrows it further.
// A loopback "registry" standing in for an internal admin port or the metadata service counts
// every connection it receives: it must receive none.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it, test } from 'node:test';
import { parseOptions } from '../../lib/config';
import { RequestTally, runCycle } from '../../lib/cycle';
import { isLinkLocalAddress, isNonPublicAddress } from '../../lib/registry/egress';
import { captureLog } from '../cycle/fixture';
import { kustomizeApp } from '../support/applications';
import { startKubeApi, type KubeApiDouble } from '../support/kube-api';
import { pushImage, registriesConfFor, startRegistry, type RunningRegistry } from '../support/registry';

test('isLinkLocalAddress: metadata and link-local only (the rule for git servers)', () => {
  for (const address of ['169.254.169.254', '169.254.170.2', 'fd00:ec2::254', 'fe80::1', 'fe80::1%eth0', '::ffff:169.254.169.254', '[fd00:ec2::254]', 'not-an-address']) {
    assert.equal(isLinkLocalAddress(address), true, address);
  }
  for (const address of ['127.0.0.1', '10.0.0.8', '192.168.1.1', 'fd00:ec2::253', '140.82.112.33', '::1']) {
    assert.equal(isLinkLocalAddress(address), false, address);
  }
});

describe('isNonPublicAddress', () => {
  it('refuses metadata, link-local, loopback, private and special ranges, in every spelling', () => {
    for (const address of [
      '169.254.169.254',
      'fd00:ec2::254',
      'fe80::1',
      '127.0.0.1',
      '127.1.2.3',
      '::1',
      '10.0.0.8',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '100.64.0.1',
      '0.0.0.0',
      '::',
      '::ffff:127.0.0.1',
      '::ffff:a9fe:a9fe',
      '64:ff9b::a9fe:a9fe',
      '64:ff9b::10.0.0.1',
      'fc00::1',
      '224.0.0.1',
      '255.255.255.255',
      '[::1]',
      'fe80::1%eth0',
      'not-an-address',
    ]) {
      assert.equal(isNonPublicAddress(address), true, address);
    }
  });

  it('accepts public addresses', () => {
    for (const address of ['140.82.112.33', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8']) {
      assert.equal(isNonPublicAddress(address), false, address);
    }
  });
});

describe('a cycle with hostile registry hosts', { timeout: 120_000 }, () => {
  let registry: RunningRegistry;
  let kube: KubeApiDouble;
  let trap: Server;
  let trapPort: number;
  let trapConnections = 0;

  before(async () => {
    registry = await startRegistry();
    await pushImage(registry, 'team/app', '1.1.0');
    kube = await startKubeApi({ tls: true });
    trap = createServer((_request, response) => response.end('{}'));
    trap.on('connection', () => trapConnections++);
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    trapPort = (trap.address() as AddressInfo).port;
  });

  after(async () => {
    trap?.closeAllConnections();
    await new Promise((resolve) => trap?.close(resolve));
    await Promise.all([registry?.stop(), kube?.stop()]);
  });

  const app = (name: string, namespace: string, image: string) =>
    kustomizeApp({ name, namespace, settings: { 'image-list': `app=${image}`, 'app.force-update': 'true' }, liveImages: [] });

  async function cycle(namespace: string, extra: Record<string, string> = {}) {
    const log = captureLog();
    const tally = new RequestTally();
    const options = parseOptions({ applicationNamespace: namespace, registriesConfPath: registriesConfFor([registry]), ...extra });
    const summary = await runCycle(kube.kubeConfig(), options, { log }, tally);
    return { summary, log, errors: log.lines.filter((line) => line.level === 'error').map((line) => line.message) };
  }

  test('loopback, private and metadata hosts named in annotations are never contacted', async () => {
    const hostile: [string, string][] = [
      ['loopback', `127.0.0.1:${trapPort}/x/y`],
      ['loopback-name', `localhost:${trapPort}/x/y`],
      ['mapped', `[::ffff:127.0.0.1]:${trapPort}/x/y`],
      ['metadata', '169.254.169.254/latest/meta-data'],
      ['metadata-v6', '[fd00:ec2::254]/x/y'],
      ['private', '10.1.2.3:5000/x/y'],
    ];
    for (const [name, image] of hostile) kube.setApplication(app(name, 'egress', image));
    kube.setApplication(app('configured', 'egress', `${registry.host}/team/app`));
    const { errors } = await cycle('egress');

    assert.equal(trapConnections, 0, 'no connection reached the loopback trap');
    for (const [name] of hostile) {
      assert.ok(
        errors.some((line) => line.includes(`egress/${name}`) && /loopback, private or link-local address: refused for a registry that registries\.conf does not configure/.test(line)),
        `${name}:\n${errors.join('\n')}`,
      );
    }
    assert.deepEqual(kube.application('egress', 'configured')?.spec.source?.kustomize?.images, [`${registry.host}/team/app:1.1.0`]);
  });

  test('with an allowlist, any other registry is an error for that app and costs no request', async () => {
    kube.setApplication(app('elsewhere', 'allowlist', 'quay.io/team/app'));
    kube.setApplication(app('hub', 'allowlist', 'nginx'));
    kube.setApplication(app('configured', 'allowlist', `${registry.host}/team/app`));
    const { errors, summary } = await cycle('allowlist', { allowedRegistries: 'ghcr.io,*.example.com' });
    assert.equal(summary.registryRequests, 2, 'only the configured registry (ping and tags)');
    for (const [name, host] of [['elsewhere', 'quay.io'], ['hub', 'docker.io']]) {
      assert.ok(
        errors.some((line) => line.includes(`allowlist/${name}`) && line.includes(`registry ${host} is not allowed: IMAGE_UPDATER_ALLOWED_REGISTRIES permits only ghcr.io, *.example.com`)),
        errors.join('\n'),
      );
    }
    assert.deepEqual(kube.application('allowlist', 'configured')?.spec.source?.kustomize?.images, [`${registry.host}/team/app:1.1.0`]);
  });
});
