/**
 * Where an http(s) source may connect. A schedule's URL is chosen by whoever
 * holds an admin token, and a worker fetching it runs inside the network: left
 * unchecked, `http://169.254.169.254/...` (cloud credentials), `http://localhost:6379`
 * or an intranet host would be fetched and their answers stored as a run's input
 * and error report (server-side request forgery). So loopback, private,
 * link-local and other non-public addresses are refused unless
 * ORGSYNC_SOURCE_ALLOW_PRIVATE=true.
 *
 * The check runs on the addresses a connection is actually made to (a DNS
 * lookup hook), not on a separate lookup beforehand, so a name that resolves
 * to a public address once and a private one the next time (DNS rebinding)
 * is refused too.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { SourceUnavailableError } from './file.js';

const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network" (0.0.0.0 reaches the local host)
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata services
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['64:ff9b::', 96], // NAT64: an IPv4 address in disguise
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/** True for loopback, private, link-local and other addresses that are not on the public internet. IPv4-mapped IPv6 counts as its IPv4 address. */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return NON_PUBLIC.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/** The connection was refused before it was made: the host is (or resolves to) a non-public address. */
export class PrivateAddressError extends SourceUnavailableError {
  override readonly name = 'PrivateAddressError';
  constructor(host: string, address: string) {
    super(
      `refusing to fetch from ${host}: ${address === host ? 'it is' : `it resolves to ${address},`} a loopback, private or link-local address. ` +
        'Set ORGSYNC_SOURCE_ALLOW_PRIVATE=true on the workers to allow sources on internal networks.',
      'SOURCE_PRIVATE_ADDRESS',
    );
  }
}

/** Throws PrivateAddressError when a URL's host is itself a non-public IP literal (no lookup happens for those). */
export function checkLiteralHost(hostname: string): void {
  const bare = hostname.replace(/^\[|\]$/g, '');
  if (isNonPublicAddress(bare)) throw new PrivateAddressError(hostname, bare);
}

/** A `lookup` for http(s).request that fails when any address a name resolves to is non-public. */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err, '', 0);
    const bad = addresses.find((a) => isNonPublicAddress(a.address));
    if (bad) return callback(new PrivateAddressError(hostname, bad.address), '', 0);
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    const first = addresses[0];
    if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
    return callback(null, first.address, first.family);
  });
};
