/**
 * What the security layer costs, measured in this run beside a reference: a plain TCP connection
 * against a connection with the full handshake, and per message, Ed25519 signing and verifying and
 * sealing and opening against encoding the same message as XML. Medians of several rounds.
 *
 *   npm run bench          (runs this after the network benchmark)
 *   node --import tsx bench/network/crypto.ts [--save]
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { Connection } from '../../src/net/connection';
import { FrameType } from '../../src/net/framing';
import { HandshakeInitiator, HandshakeResponder } from '../../src/net/handshake';
import { EnvelopeStamper } from '../../src/net/ids';
import { silentLogger } from '../../src/net/logger';
import { MemberKey } from '../../src/net/memberKey';
import { SecureChannel } from '../../src/net/secureChannel';
import { GroupHistory } from '../../src/net/groupHistory';
import type { HistoryMessage } from '../../src/net/groupHistory';
import { prepareOutgoing } from '../../src/net/outgoing';
import { checkHandedOn, checkSignature, signMessage } from '../../src/net/signing';
import { cryptoReady } from '../../src/net/sodium';
import { encodeForSigning, encodeMessage } from '../../src/net/xmlCodec';
import { saveBenchmarkSection } from '../saveSection';

/**
 * The resident memory of a fresh Node process after two full collections, in MB: bare, or once
 * libsodium is loaded and ready (its WebAssembly compiled and instantiated), as every member has it.
 */
function freshProcessRss(withLibsodium: boolean): number {
  const report = 'global.gc(); global.gc(); process.stdout.write(String(process.memoryUsage().rss));';
  const script = withLibsodium ? `require(${JSON.stringify(require.resolve('libsodium-wrappers-sumo'))}).ready.then(() => { ${report} });` : report;
  return Number(execFileSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' })) / (1024 * 1024);
}

/** Messages in the catch-up page measured (a full page, as `historySync.ts` sends them). */
const PAGE = 500;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/** Median time of one call of `fn`, in µs, over `rounds` rounds of `n` calls. */
function perCall(fn: () => void, n = 2000, rounds = 7): number {
  for (let i = 0; i < n; i++) fn(); // warm up
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    for (let i = 0; i < n; i++) fn();
    times.push(((performance.now() - start) * 1000) / n);
  }
  return median(times);
}

async function connectionTimes(secure: boolean, count: number): Promise<number> {
  const serverKey = MemberKey.generate();
  const clientKey = MemberKey.generate();
  const server = createServer((socket) => {
    if (!secure) return void socket.once('data', () => socket.end());
    const c = new Connection(socket, { logger: silentLogger, handshake: new HandshakeResponder({ key: serverKey, password: 'a group password', admit: () => undefined }) });
    c.once('secure', () => c.close());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    const socket: Socket = connect({ host: '127.0.0.1', port, noDelay: true });
    await once(socket, 'connect');
    if (secure) {
      const c = new Connection(socket, { logger: silentLogger, handshake: new HandshakeInitiator({ key: clientKey, group: 'bench', password: 'a group password' }) });
      await once(c, 'secure');
      times.push((performance.now() - start) * 1000);
      c.close();
    } else {
      socket.resume();
      socket.write('x'); // one round trip, as the reference: connect, a byte each way
      await once(socket, 'end');
      times.push((performance.now() - start) * 1000);
      socket.destroy();
    }
  }
  server.close();
  return median(times);
}

async function main(): Promise<void> {
  await cryptoReady();
  const key = MemberKey.generate();
  const stamper = new EnvelopeStamper(key.id, 'design team');
  const chat = signMessage(stamper.stamp({ type: 'chat', text: 'Build is on the share. Check <login> & "signup" before 5, thanks' }), key);
  const canonical = encodeForSigning(chat);
  // A catch-up page of one author's log (numbered, chained and signed as its node makes them).
  const log = { stamper, key, history: GroupHistory.inMemory('design team', key.id) };
  const page: HistoryMessage[] = [];
  for (let n = 0; n < PAGE; n++) {
    const { message, frames } = prepareOutgoing(log, { type: 'chat' as const, text: `Build ${n} is on the share. Check <login> & "signup" before 5, thanks` }, undefined);
    log.history.add(message, frames.xml);
    page.push(message);
  }
  const xml = encodeMessage(chat);
  const a = MemberKey.generate();
  const b = MemberKey.generate();
  const handshakeCpu = perCall(() => {
    const i = new HandshakeInitiator({ key: a, group: 'bench', password: 'pw' });
    const r = new HandshakeResponder({ key: b, password: 'pw', admit: () => undefined });
    const answer = r.receive(i.start());
    const step = i.receive(answer.send!);
    const done = r.receive(step.send!);
    new SecureChannel(step.done!).dispose();
    new SecureChannel(done.done!).dispose();
  }, 100);
  const i = new HandshakeInitiator({ key: a, group: 'bench' });
  const r = new HandshakeResponder({ key: b, admit: () => undefined });
  const step = i.receive(r.receive(i.start()).send!);
  const sender = new SecureChannel(step.done!);
  const receiver = new SecureChannel(r.receive(step.send!).done!);
  const rows = {
    'encode a chat message as XML (reference)': perCall(() => encodeMessage(chat)),
    'sign it (Ed25519 over its canonical bytes)': perCall(() => key.sign(canonical)),
    'verify it (re-encode + Ed25519 verify; for relayed messages)': perCall(() => checkSignature(chat)),
    [`… in a catch-up page of ${PAGE} by one author (one Ed25519 verify, the rest by the hash chain), per message`]: perCall(() => checkHandedOn(page), 5) / PAGE,
    'seal and open it (secretstream, both ends)': perCall(() => receiver.open(FrameType.SealedXml, sender.seal(FrameType.Xml, xml).subarray(5))),
    'handshake, CPU only (both sides, with a password)': handshakeCpu,
  };
  // Taking turns, so that the machine's moment falls on both alike.
  const bare: number[] = [];
  const withSodium: number[] = [];
  for (let k = 0; k < 5; k++) {
    bare.push(freshProcessRss(false));
    withSodium.push(freshProcessRss(true));
  }
  const plainConnect = await connectionTimes(false, 200);
  const secureConnect = await connectionTimes(true, 200);
  const lines = [
    '| Per message (a 280-byte chat) or per handshake | median µs | vs encoding it |',
    '|---|---:|---:|',
    ...Object.entries(rows).map(([name, us]) => `| ${name} | ${us.toFixed(1)} | ${(us / rows['encode a chat message as XML (reference)']).toFixed(1)}x |`),
    '',
    '| New connection on loopback | median µs | vs plain TCP |',
    '|---|---:|---:|',
    `| plain TCP: connect, one byte each way (reference) | ${plainConnect.toFixed(0)} | 1.0x |`,
    `| Team Notes: connect and the full handshake (keys proven, password, both streams) | ${secureConnect.toFixed(0)} | ${(secureConnect / plainConnect).toFixed(1)}x |`,
    '',
    '| A fresh Node process, after two full collections | median RSS MB | vs bare |',
    '|---|---:|---:|',
    `| bare (reference) | ${median(bare).toFixed(1)} | 1.0x |`,
    `| with libsodium loaded and ready, as every member has it | ${median(withSodium).toFixed(1)} | ${(median(withSodium) / median(bare)).toFixed(2)}x |`,
  ];
  const table = lines.join('\n');
  console.log(table);
  if (process.argv.includes('--save')) {
    saveBenchmarkSection(
      'crypto',
      `## What the security layer costs\n\nMeasured by \`bench/network/crypto.ts\` in the same run as its references (${new Date().toISOString().slice(0, 10)}, Node ${process.version}, libsodium's WebAssembly build). Signing happens once per chat or board message sent; verifying only for messages handed on by someone other than their author (in a catch-up page, one signature per author and run, the rest proven by the hash chain of the author's log) (a direct link is already proven by its handshake and stream); sealing and opening once per frame per link; the handshake once per link.\n\n${table}`,
    );
    console.log('Wrote the security section of docs/benchmarks.md');
  }
}

void main();
