// registries.conf: the reference's YAML format (`registries: [...]`), read strictly so that a typo
// in a key is an error rather than a silently ignored setting.
import { readFile } from 'node:fs/promises';
import { parse as parseYaml, type ScalarTag } from 'yaml';
import type * as z from '../zod';
import { parseGoDuration } from '../duration';
import { RegistriesConfSchema, RegistryConfigurationSchema } from './schema';

export type TagSortMode = 'none' | 'latest-first' | 'latest-last';

export interface RegistryEndpoint {
  name: string;
  /** Matching key: a registry host[:port], optionally with a path (`foo.bar/team1`); "" matches any image. */
  prefix: string;
  /** Base URL without a trailing `/`. */
  apiUrl: string;
  /** Credential reference (`pullsecret:`, `secret:`, `env:`, `ext:`). */
  credentials?: string;
  /** Registry-level credentials are read again after this long; undefined: never. */
  credsExpireSeconds?: number;
  /** Skip TLS verification. */
  insecure: boolean;
  /** Namespace for single-segment names (`nginx` → `library/nginx`). */
  defaultNamespace?: string;
  isDefault: boolean;
  /** Requests per second over all clients of this endpoint; undefined: unlimited. */
  rateLimitPerSecond?: number;
  tagSortMode: TagSortMode;
  /** Extra trusted CA certificates, PEM (`ca_data`). */
  caData?: string;
  /** File with extra trusted CA certificates, PEM (`ca_file`), read when the first request is made. */
  caFile?: string;
  /**
   * Inferred loopback endpoints only: when https cannot connect, use plain http, as Docker does for
   * local registries.
   */
  plainHttpFallback?: boolean;
  /**
   * The operator's registry (registries.conf): it may be on a loopback, private or link-local
   * address. Unset (a registry an annotation names): public addresses only.
   */
  operatorTrusted?: boolean;
  /** Hosts besides the registry's own whose token realm may receive its credentials (`token_hosts`). */
  tokenHosts?: string[];
}

const TAG_SORT_MODES: Record<string, TagSortMode> = {
  '': 'none',
  none: 'none',
  'latest-first': 'latest-first',
  'latest-last': 'latest-last',
};

/**
 * The reference reads registries.conf with go-yaml v2, whose plain (unquoted) booleans are YAML
 * 1.1's: `yes`/`no`, `on`/`off`, `y`/`n` besides `true`/`false`, in lower, Title and UPPER case.
 * Added to the YAML 1.2 core schema, so `insecure: yes` means what it means to the reference
 * and everything else reads as before.
 */
const YAML11_BOOLEANS: ScalarTag[] = [
  { tag: 'tag:yaml.org,2002:bool', default: true, identify: () => false, test: /^(?:y|Y|yes|Yes|YES|on|On|ON)$/, resolve: () => true },
  { tag: 'tag:yaml.org,2002:bool', default: true, identify: () => false, test: /^(?:n|N|no|No|NO|off|Off|OFF)$/, resolve: () => false },
];

/** Parses registries.conf; throws an Error naming the file, the entry and the field. */
export function parseRegistriesConf(yamlText: string, source: string): RegistryEndpoint[] {
  let document: unknown;
  try {
    document = parseYaml(yamlText, { customTags: YAML11_BOOLEANS });
  } catch (error) {
    throw new Error(`${source}: not valid YAML: ${(error as Error).message}`);
  }
  if (document === null || document === undefined) return [];

  const top = RegistriesConfSchema.safeParse(document);
  if (!top.success) throw new Error(`${source}: ${describeIssues(top.error)}`);

  const entries = (top.data.registries ?? []).map((raw, index) => {
    const parsed = RegistryConfigurationSchema.safeParse(raw);
    const label = entryLabel(index, raw);
    if (!parsed.success) throw new Error(`${source}: ${label}: ${describeIssues(parsed.error)}`);
    try {
      return endpointFromEntry(parsed.data);
    } catch (error) {
      throw new Error(`${source}: ${label}: ${(error as Error).message}`);
    }
  });

  checkUniqueness(entries, source);
  return entries;
}

/** Reads registries.conf; no path means no configured registries, a given path must be readable. */
export async function loadRegistriesConf(path: string | undefined): Promise<RegistryEndpoint[]> {
  if (!path) return [];
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read registries configuration ${path}: ${(error as Error).message}`);
  }
  return parseRegistriesConf(text, path);
}

function endpointFromEntry(entry: z.infer<typeof RegistryConfigurationSchema>): RegistryEndpoint {
  const apiUrl = entry.api_url.replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+/i.test(apiUrl) || !URL.canParse(apiUrl)) {
    throw new Error(`api_url: ${JSON.stringify(entry.api_url)} is not an http(s) URL`);
  }

  const tagSortMode = TAG_SORT_MODES[(entry.tagsortmode ?? '').toLowerCase()];
  if (!tagSortMode) {
    throw new Error(`tagsortmode: unknown value ${JSON.stringify(entry.tagsortmode)} (use none, latest-first or latest-last)`);
  }

  let credsExpireSeconds: number | undefined;
  if (entry.credsexpire !== undefined) {
    const milliseconds = parseGoDuration(entry.credsexpire);
    if (milliseconds === undefined) throw new Error(`credsexpire: invalid duration ${JSON.stringify(entry.credsexpire)}`);
    credsExpireSeconds = milliseconds / 1000;
  }

  if (entry.ca_data !== undefined && !entry.ca_data.includes('-----BEGIN CERTIFICATE-----')) {
    throw new Error('ca_data: does not contain a PEM certificate');
  }

  const endpoint: RegistryEndpoint = {
    name: entry.name,
    prefix: entry.prefix ?? '',
    apiUrl,
    insecure: entry.insecure ?? false,
    isDefault: entry.default ?? false,
    tagSortMode,
    operatorTrusted: true,
  };
  if (entry.credentials) endpoint.credentials = entry.credentials;
  if (credsExpireSeconds !== undefined && credsExpireSeconds > 0) endpoint.credsExpireSeconds = credsExpireSeconds;
  if (entry.defaultns) endpoint.defaultNamespace = entry.defaultns;
  // The reference treats a limit of 0 or less (or none) as unlimited.
  if (entry.limit !== undefined && entry.limit > 0) endpoint.rateLimitPerSecond = entry.limit;
  if (entry.ca_data) endpoint.caData = entry.ca_data;
  if (entry.ca_file) endpoint.caFile = entry.ca_file;
  if (entry.token_hosts) endpoint.tokenHosts = entry.token_hosts.map((host) => host.toLowerCase());
  return endpoint;
}

function checkUniqueness(entries: RegistryEndpoint[], source: string): void {
  const byPrefix = new Map<string, string>();
  let defaultName: string | undefined;
  for (const entry of entries) {
    const other = byPrefix.get(entry.prefix);
    if (other !== undefined) {
      throw new Error(
        entry.prefix === ''
          ? `${source}: registry ${entry.name}: only one registry may omit prefix (already ${other})`
          : `${source}: registry ${entry.name}: prefix ${entry.prefix} is already used by registry ${other}`,
      );
    }
    byPrefix.set(entry.prefix, entry.name);
    if (entry.isDefault) {
      if (defaultName !== undefined) {
        throw new Error(`${source}: cannot set registry ${entry.name} as default: only one default registry allowed, already ${defaultName}`);
      }
      defaultName = entry.name;
    }
  }
}

function entryLabel(index: number, raw: unknown): string {
  const name = raw && typeof raw === 'object' && 'name' in raw ? (raw as { name: unknown }).name : undefined;
  return typeof name === 'string' && name !== '' ? `registries[${index}] (${name})` : `registries[${index}]`;
}

function describeIssues(error: z.core.$ZodError): string {
  return error.issues
    .map((issue) => {
      const field = issue.path.join('.');
      if (issue.code === 'unrecognized_keys') {
        const keys = issue.keys.map((key) => JSON.stringify(key)).join(', ');
        return `${field ? `${field}: ` : ''}unknown key${issue.keys.length > 1 ? 's' : ''} ${keys}`;
      }
      return `${field || 'value'}: ${issue.message}`;
    })
    .join('; ');
}
