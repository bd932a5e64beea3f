import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadRegistriesConf, parseRegistriesConf } from '../../lib/registry/config';

const CONF = 'registries.conf';

describe('parseRegistriesConf', () => {
  it('reads every field of the reference format', () => {
    const [ghcr, internal] = parseRegistriesConf(
      `
registries:
- name: GitHub Container Registry
  api_url: https://ghcr.io/
  prefix: ghcr.io
  ping: true
  credentials: env:GHCR_CREDS
  credsexpire: 12h
  tagsortmode: latest-last
  limit: 5
- name: Internal
  api_url: http://registry.internal:5000
  prefix: registry.internal:5000/team1
  insecure: true
  defaultns: team1
  default: true
  limit: 0
  tagsortmode: ""
  ca_data: |
    -----BEGIN CERTIFICATE-----
    MIIB
    -----END CERTIFICATE-----
`,
      CONF,
    );
    assert.deepEqual(ghcr, {
      name: 'GitHub Container Registry',
      prefix: 'ghcr.io',
      apiUrl: 'https://ghcr.io',
      credentials: 'env:GHCR_CREDS',
      credsExpireSeconds: 12 * 3600,
      insecure: false,
      isDefault: false,
      operatorTrusted: true,
      rateLimitPerSecond: 5,
      tagSortMode: 'latest-last',
    });
    assert.equal(internal?.prefix, 'registry.internal:5000/team1');
    assert.equal(internal?.insecure, true);
    assert.equal(internal?.defaultNamespace, 'team1');
    assert.equal(internal?.isDefault, true);
    assert.equal(internal?.rateLimitPerSecond, undefined, 'limit 0 is unlimited');
    assert.equal(internal?.tagSortMode, 'none');
    assert.match(internal?.caData ?? '', /BEGIN CERTIFICATE/);
  });

  it('accepts an empty file and an empty list', () => {
    assert.deepEqual(parseRegistriesConf('', CONF), []);
    assert.deepEqual(parseRegistriesConf('registries: []', CONF), []);
  });

  it('rejects unknown keys, naming the file, the entry and the key', () => {
    assert.throws(
      () => parseRegistriesConf('registries:\n- name: r\n  api_url: https://r.io\n  prefix: r.io\n  limits: 3\n', CONF),
      /registries\.conf: registries\[0\] \(r\): .*unknown key "limits"/,
    );
    assert.throws(() => parseRegistriesConf('registry:\n- name: r\n', CONF), /unknown key "registry"/);
  });

  it('requires name and api_url', () => {
    assert.throws(() => parseRegistriesConf('registries:\n- api_url: https://r.io\n', CONF), /registries\[0\]: name: is required/);
    assert.throws(() => parseRegistriesConf('registries:\n- name: r\n', CONF), /registries\[0\] \(r\): api_url: is required/);
    assert.throws(() => parseRegistriesConf('registries:\n- name: r\n  api_url: r.io\n', CONF), /api_url: "r.io" is not an http\(s\) URL/);
  });

  it('rejects a second default and a second entry without prefix', () => {
    const twoDefaults = `
registries:
- {name: a, api_url: "https://a.io", prefix: a.io, default: true}
- {name: b, api_url: "https://b.io", prefix: b.io, default: true}
`;
    assert.throws(() => parseRegistriesConf(twoDefaults, CONF), /cannot set registry b as default: only one default registry allowed, already a/);
    const twoWithoutPrefix = `
registries:
- {name: a, api_url: "https://a.io"}
- {name: b, api_url: "https://b.io"}
`;
    assert.throws(() => parseRegistriesConf(twoWithoutPrefix, CONF), /registry b: only one registry may omit prefix \(already a\)/);
  });

  it('knows the tag sort modes, in any case', () => {
    const mode = (value: string) =>
      parseRegistriesConf(`registries:\n- {name: r, api_url: "https://r.io", prefix: r.io, tagsortmode: "${value}"}`, CONF)[0]
        ?.tagSortMode;
    assert.equal(mode('latest-first'), 'latest-first');
    assert.equal(mode('Latest-Last'), 'latest-last');
    assert.equal(mode('none'), 'none');
    assert.throws(() => mode('newest'), /registries\[0\] \(r\): tagsortmode: unknown value "newest"/);
  });

  it('reads credsexpire as a Go duration', () => {
    const expiry = (value: string) =>
      parseRegistriesConf(`registries:\n- {name: r, api_url: "https://r.io", prefix: r.io, credsexpire: "${value}"}`, CONF)[0]
        ?.credsExpireSeconds;
    assert.equal(expiry('1h30m'), 5400);
    assert.equal(expiry('90s'), 90);
    assert.equal(expiry('0'), undefined, 'zero never expires');
    assert.throws(() => expiry('12 hours'), /credsexpire: invalid duration "12 hours"/);
  });

  it('reads booleans as the reference does (YAML 1.1: yes/no, on/off, y/n), quoted ones stay strings', () => {
    const insecure = (value: string) => parseRegistriesConf(`registries:\n- {name: r, api_url: "https://r.io", insecure: ${value}}`, CONF)[0]?.insecure;
    for (const value of ['yes', 'Yes', 'YES', 'on', 'On', 'y', 'Y', 'true', 'True']) assert.equal(insecure(value), true, value);
    for (const value of ['no', 'No', 'NO', 'off', 'OFF', 'n', 'N', 'false']) assert.equal(insecure(value), false, value);
    const named = parseRegistriesConf('registries:\n- {name: yes-mirror, api_url: "https://r.io", prefix: on.example.com, default: yes}', CONF)[0];
    assert.deepEqual([named?.name, named?.prefix, named?.isDefault], ['yes-mirror', 'on.example.com', true]);
  });

  it('reports wrong types and invalid YAML', () => {
    assert.throws(
      () => parseRegistriesConf('registries:\n- {name: r, api_url: "https://r.io", insecure: "yes"}', CONF),
      /registries\[0\] \(r\): insecure: .*boolean/,
    );
    assert.throws(() => parseRegistriesConf('registries: [', CONF), /registries\.conf: not valid YAML/);
    assert.throws(() => parseRegistriesConf('registries:\n- {name: r, api_url: "https://r.io", ca_data: "x"}', CONF), /ca_data: does not contain a PEM/);
  });
});

describe('loadRegistriesConf', () => {
  it('returns no endpoints without a path and throws for an unreadable one', async () => {
    assert.deepEqual(await loadRegistriesConf(undefined), []);
    await assert.rejects(loadRegistriesConf('/nonexistent/registries.conf'), /cannot read registries configuration \/nonexistent\/registries\.conf/);
  });

  it('reads a file and names it in errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'registries-conf-'));
    try {
      const path = join(dir, 'registries.conf');
      await writeFile(path, 'registries:\n- {name: r, api_url: "https://r.io", prefix: r.io}\n');
      assert.equal((await loadRegistriesConf(path))[0]?.apiUrl, 'https://r.io');
      await writeFile(path, 'registries:\n- {name: r, api_url: "https://r.io", prefix: r.io, colour: red}\n');
      await assert.rejects(loadRegistriesConf(path), new RegExp(`^Error: ${path}: registries\\[0\\] \\(r\\): unknown key "colour"`));
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});

describe('infra/registries.conf.example', () => {
  it('is a valid registries.conf', async () => {
    const [harbor] = await loadRegistriesConf(join(process.cwd(), 'infra', 'registries.conf.example'));
    assert.equal(harbor?.apiUrl, 'https://harbor.example.com');
    assert.equal(harbor?.credsExpireSeconds, 12 * 3600);
  });
});
