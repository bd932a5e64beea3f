// Where a registry request may connect. A registry an annotation names (not in registries.conf)
// must be on a public address: link-local and metadata addresses (169.254.0.0/16, fe80::/10,
// fd00:ec2::254), loopback, private and other special ranges are refused. The check runs on the
// addresses DNS returns for the connection and again on the address the socket connected to, so
// a name that resolves to a public address for one lookup and a private one for the next (DNS
// rebinding) gains nothing. Registries in registries.conf are the operator's: any address. Git
// servers and forge APIs get the narrower rule: anything but link-local and metadata addresses.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import picomatch from 'picomatch';
import { buildConnector } from 'undici';

const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, instance metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique local, fd00:ec2::254 (the EC2 metadata service over IPv6) included
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['2001:db8::', 32], // documentation
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/** True for any address that is not a public unicast address. */
export function isNonPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '').toLowerCase();
  const family = isIP(bare);
  if (family === 4) return NON_PUBLIC.check(bare, 'ipv4');
  if (family !== 6) return true;
  const embedded = embeddedIpv4(bare);
  if (embedded !== undefined) return isNonPublicAddress(embedded);
  return NON_PUBLIC.check(bare, 'ipv6');
}

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d), -compatible or NAT64 (64:ff9b::/96) address. */
function embeddedIpv4(address: string): string | undefined {
  const dotted = /^(?:::ffff:|::|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(address);
  if (!hex) return undefined;
  const high = parseInt(hex[1] ?? '0', 16);
  const low = parseInt(hex[2] ?? '0', 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** True for link-local and cloud metadata addresses (169.254.0.0/16, fe80::/10, fd00:ec2::254): never a git or API server. */
export function isLinkLocalAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '').toLowerCase();
  const family = isIP(bare);
  if (family === 0) return true;
  const embedded = family === 6 ? embeddedIpv4(bare) : undefined;
  if (embedded !== undefined) return isLinkLocalAddress(embedded);
  return LINK_LOCAL.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

const LINK_LOCAL = new BlockList();
LINK_LOCAL.addSubnet('169.254.0.0', 16, 'ipv4');
LINK_LOCAL.addSubnet('fe80::', 10, 'ipv6');
LINK_LOCAL.addAddress('fd00:ec2::254', 'ipv6');

/** Which addresses a connector refuses, and how the refusal reads. */
export interface EgressRule {
  refuses(address: string): boolean;
  /** "a loopback, private or link-local address: refused for …" */
  describe: string;
}

/** Registries an annotation names: public addresses only. */
export const PUBLIC_ONLY: EgressRule = {
  refuses: isNonPublicAddress,
  describe: 'a loopback, private or link-local address: refused for a registry that registries.conf does not configure',
};

/** Git servers and forge APIs: anything but the link-local and metadata addresses. */
export const NO_LINK_LOCAL: EgressRule = {
  refuses: isLinkLocalAddress,
  describe: 'a link-local or metadata address: refused for git and forge API requests',
};

export class EgressError extends Error {
  override name = 'EgressError';
  readonly code = 'ERR_EGRESS_REFUSED';

  constructor(host: string, address: string, rule: EgressRule) {
    super(`${host} resolves to ${address}, ${rule.describe}`);
  }
}

/** dns.lookup that fails when any address it returns is refused by `rule`. */
function checkedLookup(rule: EgressRule): LookupFunction {
  return ((hostname: string, options: object, callback: (...args: unknown[]) => void) => {
    dnsLookup(hostname, options, (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => {
      if (error) return callback(error, address, family);
      const addresses = Array.isArray(address) ? address.map((entry) => entry.address) : [address];
      const refused = addresses.find((candidate) => rule.refuses(candidate));
      if (refused !== undefined) return callback(new EgressError(hostname, refused, rule), address, family);
      return callback(null, address, family);
    });
  }) as unknown as LookupFunction;
}

/**
 * A connector for undici that refuses what `rule` refuses: an address literal before connecting,
 * a name in its DNS answer, and the connected socket's remote address before anything is sent.
 */
export function checkedConnector(options: buildConnector.BuildOptions, rule: EgressRule): buildConnector.connector {
  const connect = buildConnector({ ...options, lookup: checkedLookup(rule) } as buildConnector.BuildOptions);
  return (target, callback) => {
    const host = target.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) !== 0 && rule.refuses(host)) {
      callback(new EgressError(target.hostname, host, rule), null);
      return;
    }
    connect(target, (error, socket) => {
      if (error || !socket) {
        callback(error ?? new Error('no socket'), null);
        return;
      }
      const remote = socket.remoteAddress;
      if (remote === undefined || rule.refuses(remote)) {
        socket.destroy();
        callback(new EgressError(target.hostname, remote ?? 'an unknown address', rule), null);
        return;
      }
      callback(null, socket);
    });
  };
}

/** The operator's allowlist of registry hosts (IMAGE_UPDATER_ALLOWED_REGISTRIES): globs on host[:port]. */
export class RegistryAllowlist {
  private readonly matchers: ((host: string) => boolean)[];

  constructor(readonly globs: readonly string[]) {
    this.matchers = globs.map((glob) => picomatch(glob.toLowerCase(), { dot: true, nobrace: true, noextglob: true }));
  }

  /** True when no allowlist is set or `host` matches one of its globs. */
  allows(host: string): boolean {
    const lower = host.toLowerCase();
    return this.matchers.length === 0 || this.matchers.some((matches) => matches(lower));
  }
}
