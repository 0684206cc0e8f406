/**
 * IPv4 interface arithmetic for LAN discovery: an interface's directed broadcast address, which
 * local interface's subnet holds a host (the doctor's "via"), and whether an address is this machine.
 */
import { networkInterfaces } from 'node:os';
import type { NetworkInterfaceInfo } from 'node:os';

/** True when `host` names this machine (a loopback name, an any-address or one of its own addresses). */
export function isLocalHost(host: string): boolean {
  const value = host.toLowerCase().replace(/^::ffff:/, '');
  if (value === 'localhost' || value === '0.0.0.0' || value === '::' || value === '::1' || value.startsWith('127.')) return true;
  return Object.values(networkInterfaces()).some((addresses) => addresses?.some((a) => a.address.toLowerCase() === value));
}

/** An interface address with the name of its interface. */
export type NamedAddress = NetworkInterfaceInfo & { name: string };

function ipv4ToInt(address: string): number | undefined {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** The directed broadcast address of an interface address (none for a /31 or /32). */
export function broadcastAddress(address: Pick<NetworkInterfaceInfo, 'address' | 'netmask'>): string | undefined {
  const ip = ipv4ToInt(address.address);
  const mask = ipv4ToInt(address.netmask);
  if (ip === undefined || mask === undefined || mask >>> 0 >= 0xfffffffe) return undefined;
  return intToIpv4((ip | ~mask) >>> 0);
}

/** The name of the interface whose subnet holds `host`, if any. */
export function interfaceFor(host: string, addresses: readonly NamedAddress[]): string | undefined {
  const ip = ipv4ToInt(host);
  if (ip === undefined) return undefined;
  for (const a of addresses) {
    const own = ipv4ToInt(a.address);
    const mask = ipv4ToInt(a.netmask);
    if (own !== undefined && mask !== undefined && ((own ^ ip) & mask) >>> 0 === 0) return a.name;
  }
  return undefined;
}
