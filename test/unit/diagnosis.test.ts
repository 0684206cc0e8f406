/**
 * The connectivity doctor's classifier: every cause, on interface tables as `os.networkInterfaces()`
 * returns them on a laptop with Wi-Fi and a WireGuard tunnel, a desktop with two NICs and an
 * OpenVPN tun0, and a machine with loopback only.
 */
import { strict as assert } from 'node:assert';
import type { NetworkInterfaceInfo } from 'node:os';
import { diagnose, inSubnet, interfaceOfAddress, isVpnInterface, subnetInterface } from '../../src/net/diagnosis';
import type { DiagnosisFacts, FailureFacts, InterfaceTable } from '../../src/net/diagnosis';

const v4 = (address: string, netmask: string, cidr: string, internal = false): NetworkInterfaceInfo => ({ address, netmask, family: 'IPv4', mac: '02:00:00:00:00:01', internal, cidr });
const v6 = (address: string, netmask: string, cidr: string, internal = false, scopeid = 0): NetworkInterfaceInfo => ({ address, netmask, family: 'IPv6', mac: '02:00:00:00:00:01', internal, cidr, scopeid });

/** A laptop: loopback, Wi-Fi on 192.168.1.0/24 with IPv6, and WireGuard wg0 on 10.8.0.0/24. */
const laptop: InterfaceTable = {
  lo: [v4('127.0.0.1', '255.0.0.0', '127.0.0.1/8', true), v6('::1', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '::1/128', true)],
  wlp2s0: [
    v4('192.168.1.23', '255.255.255.0', '192.168.1.23/24'),
    v6('2001:db8:1:2::23', 'ffff:ffff:ffff:ffff::', '2001:db8:1:2::23/64'),
    v6('fe80::1c2:3ff:fe4:5', 'ffff:ffff:ffff:ffff::', 'fe80::1c2:3ff:fe4:5/64', false, 3),
  ],
  wg0: [v4('10.8.0.5', '255.255.255.0', '10.8.0.5/24')],
};

/** A desktop with two NICs (office LAN and a lab network) and an OpenVPN tun0. */
const desktop: InterfaceTable = {
  lo: [v4('127.0.0.1', '255.0.0.0', '127.0.0.1/8', true)],
  eno1: [v4('10.20.30.40', '255.255.252.0', '10.20.30.40/22')],
  enp3s0: [v4('172.16.5.2', '255.255.255.128', '172.16.5.2/25')],
  tun0: [v4('10.99.0.6', '255.255.255.255', '10.99.0.6/32')],
};

const loopbackOnly: InterfaceTable = { lo: [v4('127.0.0.1', '255.0.0.0', '127.0.0.1/8', true)] };

const failure = (code: string, errno: string | undefined, host: string, port: number): FailureFacts => ({ code, ...(errno !== undefined && { errno }), at: Date.UTC(2026, 11, 2, 14, 30), host, port });

function facts(host: string, port: number, code: string, errno?: string, routeInterface?: string | null): DiagnosisFacts {
  return { host, port, failure: failure(code, errno, host, port), ...(routeInterface !== undefined && { routeInterface }) };
}

describe('diagnosis: why a member cannot be reached', () => {
  describe('subnets and interfaces', () => {
    it('places IPv4 hosts in the subnet of their interface by netmask, including a /22 and a /25', () => {
      assert.equal(subnetInterface('192.168.1.200', laptop)?.name, 'wlp2s0');
      assert.equal(subnetInterface('10.8.0.1', laptop)?.name, 'wg0');
      assert.equal(subnetInterface('10.20.28.1', desktop)?.name, 'eno1');
      assert.equal(subnetInterface('10.20.31.255', desktop)?.name, 'eno1');
      assert.equal(subnetInterface('10.20.32.1', desktop), undefined);
      assert.equal(subnetInterface('172.16.5.127', desktop)?.name, 'enp3s0');
      assert.equal(subnetInterface('172.16.5.128', desktop), undefined);
      assert.equal(subnetInterface('192.168.2.10', laptop), undefined);
      assert.equal(subnetInterface('127.0.0.1', loopbackOnly)?.name, 'lo');
    });

    it('places IPv6 hosts by prefix, with zone ids ignored, and never matches IPv4 against IPv6', () => {
      assert.equal(subnetInterface('2001:db8:1:2::99', laptop)?.name, 'wlp2s0');
      assert.equal(subnetInterface('fe80::aa:bb%wlp2s0', laptop)?.name, 'wlp2s0');
      assert.equal(subnetInterface('2001:db8:1:3::1', laptop), undefined);
      assert.equal(inSubnet('::ffff:192.168.1.9', '192.168.1.23', '255.255.255.0'), true);
      assert.equal(inSubnet('2001:db8::1', '192.168.1.23', '255.255.255.0'), false);
      assert.equal(inSubnet('not an address', '192.168.1.23', '255.255.255.0'), false);
    });

    it('names the interface of a socket address and recognises VPN interfaces by name', () => {
      assert.equal(interfaceOfAddress('192.168.1.23', laptop), 'wlp2s0');
      assert.equal(interfaceOfAddress('::ffff:10.8.0.5', laptop), 'wg0');
      assert.equal(interfaceOfAddress('2001:db8:1:2:0:0:0:23', laptop), 'wlp2s0');
      assert.equal(interfaceOfAddress('192.168.1.24', laptop), undefined);
      for (const name of ['wg0', 'tun0', 'tap1', 'utun3', 'ppp0', 'ipsec0']) assert.equal(isVpnInterface(name), true, name);
      for (const name of ['eth0', 'eno1', 'wlp2s0', 'lo', 'docker0', 'en0']) assert.equal(isVpnInterface(name), false, name);
    });
  });

  describe('causes', () => {
    it('says "connection refused" for ECONNREFUSED: nothing listens on that port', () => {
      const verdict = diagnose(facts('192.168.1.40', 43121, 'ERR_SOCKET', 'ECONNREFUSED', 'wlp2s0'), laptop);
      assert.equal(verdict.cause, 'refused');
      assert.match(verdict.summary, /^Connection refused/);
      assert.match(verdict.summary, /ECONNREFUSED/);
      assert.match(verdict.advice, /port 43121/);
    });

    it('says "a different password" for ERR_AUTH_FAILED, wherever the member is', () => {
      for (const table of [laptop, desktop, loopbackOnly]) {
        const verdict = diagnose(facts('192.168.1.40', 43121, 'ERR_AUTH_FAILED', undefined, 'wlp2s0'), table);
        assert.equal(verdict.cause, 'password');
        assert.match(verdict.summary, /different password/);
        assert.match(verdict.summary, /ERR_AUTH_FAILED/);
      }
    });

    it('says "firewall timeout" with the port when a connect to a host on a local subnet timed out', () => {
      const verdict = diagnose(facts('10.20.29.7', 40111, 'ERR_SOCKET', 'ETIMEDOUT', 'eno1'), desktop);
      assert.equal(verdict.cause, 'firewall');
      assert.match(verdict.summary, /^Firewall timeout/);
      assert.match(verdict.summary, /ETIMEDOUT/);
      assert.match(verdict.advice, /port 40111/);
    });

    it('says "no route" for EHOSTUNREACH and ENETUNREACH to a host on a local subnet, and when the kernel has no route', () => {
      for (const errno of ['EHOSTUNREACH', 'ENETUNREACH']) {
        const verdict = diagnose(facts('172.16.5.9', 40111, 'ERR_SOCKET', errno, 'enp3s0'), desktop);
        assert.equal(verdict.cause, 'noRoute', errno);
        assert.match(verdict.summary, new RegExp(errno));
      }
      assert.equal(diagnose(facts('172.16.5.9', 40111, 'ERR_SOCKET', 'ETIMEDOUT', null), desktop).cause, 'noRoute');
    });

    it('says "another subnet" when the listed address is on none of the local networks, and lists them', () => {
      const verdict = diagnose(facts('192.168.7.12', 40111, 'ERR_SOCKET', 'ETIMEDOUT', 'eno1'), desktop);
      assert.equal(verdict.cause, 'otherSubnet');
      assert.match(verdict.summary, /eno1 10\.20\.30\.40\/22/);
      assert.match(verdict.summary, /enp3s0 172\.16\.5\.2\/25/);
      assert.match(verdict.advice, /port 40111/);
      assert.equal(diagnose(facts('192.168.7.12', 40111, 'ERR_SOCKET', 'EHOSTUNREACH', 'eno1'), desktop).cause, 'otherSubnet');
      assert.match(diagnose(facts('10.0.0.9', 1, 'ERR_SOCKET', 'ETIMEDOUT'), loopbackOnly).summary, /none besides loopback/);
    });

    it('says "only over a VPN" when the route to an unanswering member goes through wg0 or tun0', () => {
      const wireguard = diagnose(facts('10.8.0.9', 40111, 'ERR_SOCKET', 'ETIMEDOUT', 'wg0'), laptop);
      assert.equal(wireguard.cause, 'vpn');
      assert.match(wireguard.summary, /wg0/);
      assert.match(wireguard.advice, /port 40111/);
      // tun0 is a /32: the member's address is on no local subnet, and the VPN still explains it.
      const openvpn = diagnose(facts('10.99.4.4', 40111, 'ERR_SOCKET', 'EHOSTUNREACH', 'tun0'), desktop);
      assert.equal(openvpn.cause, 'vpn');
      assert.match(openvpn.summary, /tun0.*EHOSTUNREACH/);
    });

    it('keeps "refused" and "different password" over the VPN: something answered there', () => {
      assert.equal(diagnose(facts('10.8.0.9', 40111, 'ERR_SOCKET', 'ECONNREFUSED', 'wg0'), laptop).cause, 'refused');
      assert.equal(diagnose(facts('10.8.0.9', 40111, 'ERR_AUTH_FAILED', undefined, 'wg0'), laptop).cause, 'password');
    });

    it('tells a port that accepts but never completes the handshake from a dropped one', () => {
      const verdict = diagnose(facts('192.168.1.40', 40111, 'ERR_HANDSHAKE_TIMEOUT', undefined, 'wlp2s0'), laptop);
      assert.equal(verdict.cause, 'handshakeTimeout');
      assert.match(verdict.summary, /ERR_HANDSHAKE_TIMEOUT/);
    });

    it('says nothing has failed yet for a listed member never dialed, and keeps unknown codes in the summary', () => {
      assert.equal(diagnose({ host: '192.168.1.40', port: 40111 }, laptop).cause, 'notTriedYet');
      const other = diagnose(facts('192.168.1.40', 40111, 'ERR_SOCKET', 'ECONNRESET', 'wlp2s0'), laptop);
      assert.equal(other.cause, 'other');
      assert.match(other.summary, /ECONNRESET, ERR_SOCKET/);
      assert.equal(diagnose(facts('192.168.1.40', 40111, 'ERR_BANNED'), laptop).cause, 'other');
    });

    it('brackets an IPv6 member address and classifies IPv6 the same way', () => {
      const refused = diagnose(facts('2001:db8:1:2::99', 40111, 'ERR_SOCKET', 'ECONNREFUSED', 'wlp2s0'), laptop);
      assert.match(refused.summary, /\[2001:db8:1:2::99\]:40111/);
      assert.equal(diagnose(facts('2001:db8:1:2::99', 40111, 'ERR_SOCKET', 'ETIMEDOUT', 'wlp2s0'), laptop).cause, 'firewall');
      assert.equal(diagnose(facts('2001:db8:9::1', 40111, 'ERR_SOCKET', 'ETIMEDOUT', 'wlp2s0'), laptop).cause, 'otherSubnet');
    });
  });
});
