import { strict as assert } from 'node:assert';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { NetError } from '../../src/net/errors';
import { parseAddress } from '../../src/net/tcp';
import { connectionAdvice } from '../../src/extension/connectionAdvice';
import { osErrorCode } from '../../src/net/errors';
import { TestNetwork } from '../helpers/net';
import { freePort } from '../helpers/ports';

/** Joins through a repository at `host:port` and returns what the join rejected with. */
async function joinFailure(network: TestNetwork, host: string, port: number, timing = {}): Promise<unknown> {
  const node = network.peer('alice', port, { repository: { host, port }, timing });
  try {
    await node.join();
  } catch (err) {
    return err;
  }
  throw new Error(`joining through ${host}:${port} succeeded`);
}

describe('connectionAdvice', function () {
  this.timeout(20_000);
  let network: TestNetwork;

  beforeEach(() => {
    network = new TestNetwork();
  });

  afterEach(async () => {
    await network.closeAll();
  });

  it('says nobody is listening, and offers to start a repository here, when the repository port is closed (ECONNREFUSED)', async () => {
    const port = await freePort();
    const err = await joinFailure(network, '127.0.0.1', port);
    const advice = connectionAdvice(err, { address: `127.0.0.1:${port}` });
    assert.equal(advice.code, 'ERR_REPOSITORY_UNREACHABLE');
    assert.equal(advice.errno, 'ECONNREFUSED');
    assert.match(advice.message, new RegExp(`^Nobody is listening at 127\\.0\\.0\\.1:${port}: no repository server runs there\\.`));
    assert.doesNotMatch(advice.message, /ECONNREFUSED/, 'the operating system code belongs in the log, not the sentence');
    assert.deepEqual(advice.actions, ['openSettings', 'startRepositoryHere', 'tryAgain', 'showLog']);
    assert.equal(advice.settingsQuery, 'teamNotes.repositoryAddress');
  });

  it('says the name does not resolve when the repository host is a name nobody knows (ENOTFOUND, the reserved .invalid TLD)', async () => {
    const err = await joinFailure(network, 'repository.team-notes.invalid', 46800);
    const advice = connectionAdvice(err, { address: 'repository.team-notes.invalid:46800' });
    assert.equal(advice.code, 'ERR_REPOSITORY_UNREACHABLE');
    assert.equal(advice.errno, 'ENOTFOUND');
    assert.match(advice.message, /^The name "repository\.team-notes\.invalid" does not resolve: no machine of that name is known on this network\./);
    assert.deepEqual(advice.actions, ['openSettings', 'tryAgain', 'showLog']);
  });

  it('says something answered but not as a repository when a port accepts and stays silent', async () => {
    const silent: Server = createServer((socket: Socket) => socket.on('error', () => undefined));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as { port: number }).port;
      const err = await joinFailure(network, '127.0.0.1', port, { handshakeDeadlineMs: 300 });
      const advice = connectionAdvice(err, { address: `127.0.0.1:${port}` });
      assert.equal(advice.code, 'ERR_REPOSITORY_UNREACHABLE');
      assert.equal(advice.errno, undefined);
      assert.match(advice.message, /accepted the connection but did not answer as a Team Notes repository/);
    } finally {
      silent.close();
    }
  });

  it('says the machine cannot be reached for the socket codes of a route that leads nowhere, and for a connect timeout', () => {
    for (const errno of ['ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']) {
      // The shape Node gives a failed connect (an Error with the code), wrapped as tcp.ts wraps it.
      const cause = Object.assign(new Error(`connect ${errno} 10.1.2.3:46800`), { code: errno, syscall: 'connect' });
      const advice = connectionAdvice(new NetError('ERR_REPOSITORY_UNREACHABLE', `Cannot connect to 10.1.2.3:46800: ${errno}`, { cause }), { address: '10.1.2.3:46800' });
      assert.equal(advice.errno, errno);
      assert.match(advice.message, /^No answer from 10\.1\.2\.3:46800: that machine cannot be reached from here/, errno);
      assert.deepEqual(advice.actions, ['tryAgain', 'openSettings', 'showLog']);
    }
    const timeout = connectionAdvice(new NetError('ERR_REPOSITORY_UNREACHABLE', 'No answer from 10.1.2.3:46800 within 5000 ms'), { address: '10.1.2.3:46800' });
    assert.match(timeout.message, /^No answer from 10\.1\.2\.3:46800: that machine cannot be reached/);
  });

  it('says a name lookup could not be made (EAI_AGAIN) apart from a name that does not exist', () => {
    const cause = Object.assign(new Error('getaddrinfo EAI_AGAIN team.example'), { code: 'EAI_AGAIN' });
    const advice = connectionAdvice(new NetError('ERR_REPOSITORY_UNREACHABLE', 'Cannot connect to team.example:46800: EAI_AGAIN', { cause }), { address: 'team.example:46800' });
    assert.match(advice.message, /^The name "team\.example" could not be looked up: the name server did not answer\./);
    assert.equal(advice.actions[0], 'tryAgain');
  });

  it('names a wrong group password and offers another, and tells a banned member whom to ask', () => {
    const auth = connectionAdvice(new NetError('ERR_AUTH_FAILED', 'Authentication failed'));
    assert.match(auth.message, /group password you entered is not the one your teammates use/);
    assert.deepEqual(auth.actions, ['tryAnotherPassword', 'showLog']);
    const banned = connectionAdvice(new NetError('ERR_BANNED', 'The repository refused: banned'));
    assert.match(banned.message, /ban list/);
    assert.deepEqual(banned.actions, ['showLog']);
  });

  it('explains an address that does not parse with an example, from the real parser', () => {
    let err: unknown;
    try {
      parseAddress('not a host:99999', { host: '127.0.0.1', port: 46800 });
    } catch (e) {
      err = e;
    }
    const advice = connectionAdvice(err);
    assert.equal(advice.code, 'ERR_BAD_ADDRESS');
    assert.match(advice.message, /^"not a host:99999" is not a host name or IP address with an optional :port\. Repository Address is host:port, for example 192\.168\.1\.20:46800\.$/);
    assert.deepEqual(advice.actions, ['openSettings', 'showLog']);
  });

  it('keeps the message of any other error, and never throws on odd input', () => {
    assert.equal(connectionAdvice(new NetError('ERR_BAD_INPUT', 'A display name must be short.')).message, 'A display name must be short.');
    const looped: { code: string; cause?: unknown } = { code: 'not-errno' };
    looped.cause = looped;
    for (const odd of [undefined, null, 42, 'text', looped, Object.create(null)]) {
      const advice = connectionAdvice(odd);
      assert.equal(typeof advice.message, 'string');
      assert.ok(advice.actions.includes('showLog'));
    }
    assert.equal(osErrorCode(looped), undefined);
  });
});
