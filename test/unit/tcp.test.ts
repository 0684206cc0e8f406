import { strict as assert } from 'node:assert';
import { isNetError } from '../../src/net/errors';
import { formatAddress, parseAddress } from '../../src/net/tcp';

describe('addresses', () => {
  const defaults = { host: '127.0.0.1', port: 46800 };

  it('parses host:port, a bare host, :port and bracketed IPv6', () => {
    assert.deepEqual(parseAddress('10.0.0.5:4000', defaults), { host: '10.0.0.5', port: 4000 });
    assert.deepEqual(parseAddress(' team-server.lan ', defaults), { host: 'team-server.lan', port: 46800 });
    assert.deepEqual(parseAddress(':5000', defaults), { host: '127.0.0.1', port: 5000 });
    assert.deepEqual(parseAddress('[fe80::1]:5000', defaults), { host: 'fe80::1', port: 5000 });
    assert.deepEqual(parseAddress('fe80::1', defaults), { host: 'fe80::1', port: 46800 });
  });

  it('rejects ports out of range and hosts with spaces or symbols with ERR_BAD_ADDRESS', () => {
    for (const bad of ['host:99999', 'host:-1', 'host:abc', 'my host:80', 'a/b:1', 'host:']) {
      assert.throws(() => parseAddress(bad, defaults), (err) => isNetError(err, 'ERR_BAD_ADDRESS'), bad);
    }
  });

  it('formats IPv6 hosts in brackets', () => {
    assert.equal(formatAddress({ host: '::1', port: 1 }), '[::1]:1');
    assert.equal(formatAddress({ host: '10.0.0.1', port: 2 }), '10.0.0.1:2');
  });
});
