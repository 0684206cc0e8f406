/**
 * Per-member path statistics: round trips from ping to pong with a median of the last few, the
 * link's addresses, and the last dial failure with its OS error code.
 */
import { strict as assert } from 'node:assert';
import { NetError } from '../../src/net/errors';
import { osErrorCode } from '../../src/net/errors';
import { median, PathStats, RTT_SAMPLES } from '../../src/net/pathStats';

const ends = { localAddress: '192.168.1.23', remoteAddress: '192.168.1.40', remotePort: 43121 };

describe('pathStats', () => {
  let clock = 0;
  const stats = (): PathStats => new PathStats(() => clock);
  beforeEach(() => (clock = 1000));

  it('times a round trip from the ping to the pong that answers it', () => {
    const paths = stats();
    paths.linked('alice', ends);
    assert.equal(paths.linkPath('alice')?.rttMs, undefined);
    paths.pingSent('alice', 'ping-0001');
    clock += 12;
    paths.pongReceived('alice', 'ping-0001');
    assert.deepEqual(paths.linkPath('alice'), { kind: 'direct', ...ends, rttMs: 12, rttSamples: 1 });
  });

  it(`keeps the median of the last ${RTT_SAMPLES} round trips, so one slow pong does not move it`, () => {
    const paths = stats();
    paths.linked('alice', ends);
    for (const [i, rtt] of [3, 4, 500, 5, 4, 6].entries()) {
      paths.pingSent('alice', `ping-${i}`);
      clock += rtt;
      paths.pongReceived('alice', `ping-${i}`);
    }
    assert.equal(paths.linkPath('alice')?.rttSamples, RTT_SAMPLES);
    assert.equal(paths.linkPath('alice')?.rttMs, 5);
  });

  it('ignores pongs that answer no ping, repeated pongs, and pongs from another member', () => {
    const paths = stats();
    paths.linked('alice', ends);
    paths.linked('bob', ends);
    paths.pingSent('alice', 'ping-a');
    paths.pongReceived('alice', 'never-sent');
    paths.pongReceived('bob', 'ping-a');
    clock += 7;
    paths.pongReceived('alice', 'ping-a');
    paths.pongReceived('alice', 'ping-a');
    assert.equal(paths.linkPath('alice')?.rttSamples, 1);
    assert.equal(paths.linkPath('bob')?.rttSamples, 0);
  });

  it('forgets unanswered pings beyond a few, and everything of a link that closed', () => {
    const paths = stats();
    paths.linked('alice', ends);
    for (let i = 0; i < 20; i++) paths.pingSent('alice', `ping-${i}`);
    paths.pongReceived('alice', 'ping-0'); // long forgotten
    assert.equal(paths.linkPath('alice')?.rttSamples, 0);
    paths.pongReceived('alice', 'ping-19');
    assert.equal(paths.linkPath('alice')?.rttSamples, 1);
    paths.unlinked('alice', undefined);
    assert.equal(paths.linkPath('alice'), undefined);
  });

  it('carries a relayed path and the member that relays it', () => {
    const paths = stats();
    paths.linked('carol', ends);
    assert.deepEqual(paths.linkPath('carol', { kind: 'relayed', via: 'bob' })?.via, 'bob');
  });

  it('records the last dial failure with our code, the OS code, when and the address tried', () => {
    const paths = stats();
    const refused = Object.assign(new Error('connect ECONNREFUSED 192.168.1.40:43121'), { code: 'ECONNREFUSED', errno: -111 });
    paths.failed('bob', new NetError('ERR_SOCKET', 'Cannot connect', { cause: refused }), { host: '192.168.1.40', port: 43121 });
    const failure = paths.lastFailure('bob');
    assert.equal(failure?.code, 'ERR_SOCKET');
    assert.equal(failure?.errno, 'ECONNREFUSED');
    assert.equal(failure?.host, '192.168.1.40');
    assert.equal(failure?.port, 43121);
    assert.ok(Math.abs(failure!.at - Date.now()) < 5_000);
    paths.failed('bob', new NetError('ERR_AUTH_FAILED', 'Authentication failed'), { host: '192.168.1.40', port: 43121 });
    assert.equal(paths.lastFailure('bob')?.code, 'ERR_AUTH_FAILED');
    assert.equal(paths.lastFailure('bob')?.errno, undefined);
  });

  it('keeps a failure of a link that closed on an error, and forgets members no longer listed', () => {
    const paths = stats();
    paths.linked('alice', ends);
    paths.unlinked('alice', new NetError('ERR_PEER_TIMEOUT', 'silent'), { host: '192.168.1.40', port: 43121 });
    assert.equal(paths.lastFailure('alice')?.code, 'ERR_PEER_TIMEOUT');
    paths.retain(new Set(['alice']));
    assert.ok(paths.lastFailure('alice'));
    paths.retain(new Set());
    assert.equal(paths.lastFailure('alice'), undefined);
  });

  it('finds the OS code anywhere in the cause chain, never one of our own codes', () => {
    assert.equal(osErrorCode(new NetError('ERR_SOCKET', 'x', { cause: new Error('y', { cause: Object.assign(new Error('z'), { code: 'EHOSTUNREACH' }) }) })), 'EHOSTUNREACH');
    assert.equal(osErrorCode(new NetError('ERR_SOCKET', 'x')), undefined);
    assert.equal(osErrorCode(null), undefined);
  });

  it('takes the median of odd and even counts', () => {
    assert.equal(median([]), undefined);
    assert.equal(median([9, 1, 5]), 5);
    assert.equal(median([4, 1, 3, 2]), 2.5);
  });
});
