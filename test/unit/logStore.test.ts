import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import { isNetError } from '../../src/net/errors';
import type { NetErrorCode } from '../../src/net/errors';
import type { Logger } from '../../src/net/logger';
import { LogStore, MAX_RECORD_BYTES } from '../../src/net/logStore';
import type { LogStoreOptions } from '../../src/net/logStore';

// Every assert.ok here carries a message: without one, Node 20 under tsx can hang building it.
const REPO = path.join(__dirname, '..', '..');
const WRITER = path.join(__dirname, 'fixtures', 'logStoreWriter.ts');
const MAGIC = Buffer.from('TNL1', 'latin1');
const MiB = 1024 * 1024;

/** One record as the format defines it, built without the store's own encoder. */
function record(payload: Uint8Array): Buffer {
  const header = Buffer.alloc(12);
  MAGIC.copy(header, 0);
  header.writeUInt32BE(payload.length, 4);
  header.writeUInt32BE(zlibCrc32(payload), 8);
  return Buffer.concat([header, payload]);
}

const encode = (payloads: readonly Uint8Array[]): Buffer => Buffer.concat(payloads.map(record));

/** Deterministic bytes (xorshift32), so a failure reproduces. */
function pseudoRandom(seed: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed * 2654435761 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** The walk the spec describes, done the slow obvious way: the reference the store must agree with. */
function referenceScan(buf: Buffer): { payloads: Buffer[]; skipped: number } {
  const goodEnd = (p: number): number => {
    if (p + 12 > buf.length || !buf.subarray(p, p + 4).equals(MAGIC)) return -1;
    const end = p + 12 + buf.readUInt32BE(p + 4);
    if (end - p - 12 > MAX_RECORD_BYTES || end > buf.length) return -1;
    return zlibCrc32(buf.subarray(p + 12, end)) === buf.readUInt32BE(p + 8) ? end : -1;
  };
  const payloads: Buffer[] = [];
  let skipped = 0;
  let off = 0;
  while (off < buf.length) {
    const end = goodEnd(off);
    if (end >= 0) {
      payloads.push(buf.subarray(off + 12, end));
      off = end;
      continue;
    }
    let next = off + 1;
    while (next < buf.length && goodEnd(next) < 0) next++;
    skipped += next - off;
    off = next;
  }
  return { payloads, skipped };
}

function assertPayloads(actual: readonly Uint8Array[], expected: readonly Uint8Array[]): void {
  assert.equal(actual.length, expected.length, 'number of records');
  for (let i = 0; i < expected.length; i++) assert.ok(Buffer.from(actual[i]!).equals(expected[i]!), `record ${i} differs`);
}

function throwsCode(fn: () => unknown, code: NetErrorCode): void {
  assert.throws(fn, (err: unknown) => isNetError(err, code));
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const sizeOf = (file: string): number => (fs.existsSync(file) ? fs.statSync(file).size : 0);

describe('log store', () => {
  let root: string;
  let dirs = 0;
  let opened: LogStore[] = [];

  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'team-notes-logstore-'));
  });

  afterEach(() => {
    for (const store of opened) store.close();
    opened = [];
  });

  after(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  const freshDir = (): string => path.join(root, `store-${++dirs}`, 'group');

  /** Opens with a logger that keeps warnings and errors. */
  function open(dir: string, options: LogStoreOptions = {}): { store: LogStore; warnings: string[] } {
    const warnings: string[] = [];
    const ignore = (): void => {};
    const logger: Logger = { trace: ignore, debug: ignore, info: ignore, warn: (m) => warnings.push(m), error: (m) => warnings.push(`error: ${m}`) };
    const store = LogStore.open(dir, { ...options, logger });
    opened.push(store);
    return { store, warnings };
  }

  /** A store folder whose `log` holds exactly these bytes. */
  function withLog(bytes: Uint8Array): string {
    const dir = freshDir();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'log'), bytes);
    return dir;
  }

  describe('append and reopen', () => {
    it('reads back what append and appendMany wrote, 0 bytes to MAX_RECORD_BYTES, in the documented format', () => {
      const dir = freshDir();
      const sizes = [0, 1, 2, 11, 12, 13, 100, 4096, 65535, MAX_RECORD_BYTES - 1, MAX_RECORD_BYTES, 0, 1];
      const single = sizes.map((n, i) => pseudoRandom(i + 1, n));
      const many = Array.from({ length: 500 }, (_, i) => Buffer.from(`message ${i} `.repeat(i % 7)));
      const plain = new Uint8Array([1, 2, 3]);
      const { store, warnings } = open(dir);
      assert.deepEqual(store.loaded, []);
      assert.deepEqual(store.stats(), { records: 0, logBytes: 0, skippedBytes: 0, blobBytes: 0 });
      for (const p of single.slice(0, 7)) store.append(p);
      store.appendMany(single.slice(7));
      store.appendMany([]);
      store.appendMany(many);
      store.append(plain);
      const expected = [...single, ...many, plain];
      const bytes = expected.reduce((n, p) => n + 12 + p.length, 0);
      assert.deepEqual(store.stats(), { records: expected.length, logBytes: bytes, skippedBytes: 0, blobBytes: 0 });
      assert.deepEqual(store.loaded, [], 'loaded holds only what was read at open');
      store.close();
      store.close();
      assert.ok(fs.readFileSync(path.join(dir, 'log')).equals(encode(expected)), 'the file is exactly magic, length, CRC-32, payload per record');
      assert.deepEqual(warnings, []);

      const again = open(dir);
      assertPayloads(again.store.loaded, expected);
      assert.deepEqual(again.store.stats(), { records: expected.length, logBytes: bytes, skippedBytes: 0, blobBytes: 0 });
      again.store.append(Buffer.from('after reopening'));
      again.store.close();
      const third = open(dir);
      assertPayloads(third.store.loaded, [...expected, Buffer.from('after reopening')]);
      assert.deepEqual([...again.warnings, ...third.warnings], []);
    });

    it('opens a missing folder as an empty store, creating it private', () => {
      const dir = freshDir();
      const { store, warnings } = open(dir);
      assert.deepEqual(store.loaded, []);
      assert.deepEqual(warnings, []);
      assert.ok(fs.statSync(path.join(dir, 'images')).isDirectory(), 'images/ created');
      if (process.platform !== 'win32') {
        assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
        assert.equal(fs.statSync(path.join(dir, 'log')).mode & 0o777, 0o600);
      }
    });
  });

  describe('a torn last record', () => {
    const payloads = [5, 0, 300, 1, 77].map((n, i) => pseudoRandom(100 + i, n));
    const good = encode(payloads);

    function checkCut(full: Buffer, cut: number): void {
      const dir = withLog(full.subarray(0, cut));
      const log = path.join(dir, 'log');
      const { store, warnings } = open(dir);
      assertPayloads(store.loaded, payloads);
      assert.equal(store.stats().skippedBytes, cut - good.length);
      if (cut === good.length) {
        assert.deepEqual(warnings, []);
      } else {
        assert.equal(warnings.length, 1, `cut at ${cut}: one warning`);
        assert.match(warnings[0]!, /ERR_STORE_CORRUPT/);
      }
      assert.equal(sizeOf(log), good.length, `cut at ${cut}: file truncated to the last good record`);
      const extra = Buffer.from(`after cut ${cut}`);
      store.append(extra);
      store.close();
      const again = open(dir);
      assertPayloads(again.store.loaded, [...payloads, extra]);
      assert.deepEqual(again.warnings, []);
      again.store.close();
      fs.rmSync(dir, { recursive: true });
    }

    it('is skipped at every cut inside it, header and payload; the file is cut back and appends follow the good records', () => {
      const full = Buffer.concat([good, record(pseudoRandom(200, 400))]);
      for (let cut = good.length; cut < full.length; cut++) checkCut(full, cut);
    });

    it('is skipped when it is a 1 MiB record cut anywhere', () => {
      const full = Buffer.concat([good, record(pseudoRandom(201, MAX_RECORD_BYTES))]);
      for (const cut of [good.length + 4, good.length + 11, good.length + 12, good.length + 13, good.length + 500_000, full.length - 1]) checkCut(full, cut);
    });
  });

  describe('garbage', () => {
    const payloads = Array.from({ length: 5 }, (_, i) => pseudoRandom(300 + i, 150 + i * 10));
    const records = payloads.map(record);
    const good = Buffer.concat(records);
    const at = (i: number): number => records.slice(0, i).reduce((n, r) => n + r.length, 0);
    const mid = at(2);
    const midSize = records[2]!.length;
    const others = payloads.filter((_, i) => i !== 2);
    const insert = (buf: Buffer, offset: number, bytes: Buffer): Buffer => Buffer.concat([buf.subarray(0, offset), bytes, buf.subarray(offset)]);
    const fakeHeader = (length: number, crc = 0x12345678): Buffer => {
      const h = Buffer.alloc(12);
      MAGIC.copy(h);
      h.writeUInt32BE(length, 4);
      h.writeUInt32BE(crc, 8);
      return h;
    };

    const cases: Array<{ name: string; damage: (buf: Buffer) => Buffer; kept: Buffer[]; skipped: number }> = [
      { name: 'random bytes over the middle record', damage: (b) => (pseudoRandom(9, midSize).copy(b, mid), b), kept: others, skipped: midSize },
      { name: 'zeros over the middle record', damage: (b) => b.fill(0, mid, mid + midSize), kept: others, skipped: midSize },
      { name: 'one flipped bit in the middle payload', damage: (b) => ((b[mid + 12 + 40]! ^= 0x10), b), kept: others, skipped: midSize },
      { name: 'one flipped bit in the middle length', damage: (b) => ((b[mid + 7]! ^= 0x01), b), kept: others, skipped: midSize },
      { name: 'a magic with a bad CRC', damage: (b) => (b.writeUInt32BE(b.readUInt32BE(mid + 8) ^ 1, mid + 8), b), kept: others, skipped: midSize },
      { name: 'a magic with a huge length', damage: (b) => (b.writeUInt32BE(0xffffffff, mid + 4), b), kept: others, skipped: midSize },
      { name: 'a magic whose length swallows the rest of the file', damage: (b) => (b.writeUInt32BE(b.length - mid - 12, mid + 4), b), kept: others, skipped: midSize },
      { name: 'a block of random bytes between records', damage: (b) => insert(b, mid, pseudoRandom(10, 1000)), kept: payloads, skipped: 1000 },
      { name: 'a block of zeros between records', damage: (b) => insert(b, mid, Buffer.alloc(4096)), kept: payloads, skipped: 4096 },
      { name: 'a fake header claiming everything after it', damage: (b) => insert(b, mid, fakeHeader(b.length - mid)), kept: payloads, skipped: 12 },
      { name: 'a damaged first record', damage: (b) => b.fill(0xff, 3, 20), kept: payloads.slice(1), skipped: records[0]!.length },
      { name: 'garbage after the last record', damage: (b) => Buffer.concat([b, pseudoRandom(11, 333)]), kept: payloads, skipped: 333 },
    ];

    for (const c of cases) {
      it(`${c.name}: keeps every other record, warns once, and repairs the file`, () => {
        const dir = withLog(c.damage(Buffer.from(good)));
        const { store, warnings } = open(dir);
        assertPayloads(store.loaded, c.kept);
        assert.ok(c.skipped > 0, 'the case damages something');
        assert.equal(store.stats().skippedBytes, c.skipped);
        assert.equal(warnings.length, 1);
        assert.match(warnings[0]!, /ERR_STORE_CORRUPT/);
        assert.ok(fs.readFileSync(path.join(dir, 'log')).equals(encode(c.kept)), 'only good records are left in the file');
        const extra = Buffer.from('after the repair');
        store.append(extra);
        store.close();
        const again = open(dir);
        assert.deepEqual(again.warnings, []);
        assert.equal(again.store.stats().skippedBytes, 0);
        assertPayloads(again.store.loaded, [...c.kept, extra]);
      });
    }

    it('agrees with the obvious slow scan on randomly damaged files, nested records included', () => {
      // Payloads may hold records of their own, nested: resync can find them inside a damaged outer one,
      // and they put other candidates between a record's two ends.
      const { payload } = fc.letrec<{ payload: Uint8Array }>((tie) => ({
        payload: fc.oneof(
          { depthSize: 'small' },
          fc.uint8Array({ maxLength: 300 }),
          fc.array(fc.oneof(fc.uint8Array({ maxLength: 60 }), tie('payload').map(record)), { maxLength: 4 }).map((parts) => Buffer.concat(parts)),
        ),
      }));
      const damage = fc.oneof(
        fc.record({ kind: fc.constant('overwrite' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 30 }) }),
        fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
        fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 30 }) }),
        fc.record({ kind: fc.constant('fakeHeader' as const), at: fc.nat(), length: fc.nat(), crc: fc.nat() }),
        fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
      );
      let run = 0;
      fc.assert(
        fc.property(fc.array(payload, { maxLength: 12 }), fc.array(damage, { minLength: 1, maxLength: 4 }), (items, damages) => {
          let buf = encode(items);
          for (const d of damages) {
            const at = d.at % (buf.length + 1);
            if (d.kind === 'overwrite') buf = Buffer.concat([buf.subarray(0, at), d.bytes, buf.subarray(Math.min(buf.length, at + d.bytes.length))]);
            else if (d.kind === 'flip' && at < buf.length) buf[at]! ^= 1 << d.bit;
            else if (d.kind === 'insert') buf = Buffer.concat([buf.subarray(0, at), d.bytes, buf.subarray(at)]);
            else if (d.kind === 'fakeHeader') {
              const h = Buffer.alloc(12);
              MAGIC.copy(h);
              h.writeUInt32BE(d.length % (buf.length - at + 8), 4);
              h.writeUInt32BE(d.crc >>> 0, 8);
              buf = Buffer.concat([buf.subarray(0, at), h, buf.subarray(at)]);
            } else if (d.kind === 'truncate') buf = buf.subarray(0, at);
          }
          const expected = referenceScan(buf);
          const dir = path.join(root, `property-${++run}`);
          fs.mkdirSync(dir);
          fs.writeFileSync(path.join(dir, 'log'), buf);
          const { store, warnings } = open(dir);
          assertPayloads(store.loaded, expected.payloads);
          assert.equal(store.stats().skippedBytes, expected.skipped);
          assert.equal(warnings.length, expected.skipped > 0 ? 1 : 0);
          store.close();
          assert.ok(fs.readFileSync(path.join(dir, 'log')).equals(encode(expected.payloads)), 'only good records are left in the file');
          const again = open(dir);
          assert.deepEqual(again.warnings, []);
          assertPayloads(again.store.loaded, expected.payloads);
          again.store.close();
          fs.rmSync(dir, { recursive: true });
        }),
        { numRuns: 300 },
      );
    });

    it('skips a record above MAX_RECORD_BYTES even when its CRC matches', () => {
      const a = Buffer.from('before');
      const b = Buffer.from('after');
      const { store, warnings } = open(withLog(Buffer.concat([record(a), record(Buffer.alloc(MAX_RECORD_BYTES + 1)), record(b)])));
      assertPayloads(store.loaded, [a, b]);
      assert.equal(store.stats().skippedBytes, 12 + MAX_RECORD_BYTES + 1);
      assert.equal(warnings.length, 1);
    });

    it('keeps records that hold headers of their own (real and fake) when damage comes before them', () => {
      const nested = Array.from({ length: 6 }, (_, i) =>
        Buffer.concat([pseudoRandom(400 + i, 200), fakeHeader(20), pseudoRandom(410 + i, 30), record(pseudoRandom(420 + i, 50)), pseudoRandom(430 + i, 100)]),
      );
      const buf = encode(nested);
      buf.fill(0, 0, 12);
      const { store } = open(withLog(buf));
      const expected = referenceScan(buf);
      assertPayloads(store.loaded, expected.payloads);
      assertPayloads(store.loaded.slice(-5), nested.slice(1));
      assert.equal(store.stats().skippedBytes, expected.skipped);
    });

    it('opens 5 MiB of random bytes as an empty store and leaves an empty file', () => {
      const dir = withLog(pseudoRandom(12, 5 * MiB));
      const { store, warnings } = open(dir);
      assert.deepEqual(store.loaded, []);
      assert.equal(store.stats().skippedBytes, 5 * MiB);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /ERR_STORE_CORRUPT/);
      assert.equal(sizeOf(path.join(dir, 'log')), 0);
      store.append(Buffer.from('fresh start'));
      store.close();
      assertPayloads(open(dir).store.loaded, [Buffer.from('fresh start')]);
    });

    it('opens 5 MiB of fake headers, each claiming up to 1 MiB, as an empty store (each byte is hashed once, not once per header)', () => {
      const buf = Buffer.alloc(5 * MiB);
      for (let o = 0; o + 12 <= buf.length; o += 12) fakeHeader(Math.min(MAX_RECORD_BYTES, buf.length - o - 12), o).copy(buf, o);
      const { store, warnings } = open(withLog(buf));
      assert.deepEqual(store.loaded, []);
      assert.equal(store.stats().skippedBytes, buf.length);
      assert.equal(warnings.length, 1);
    });

    it('finds every good record behind fake headers that each claim the next 1 MiB', () => {
      const parts: Buffer[] = [];
      const kept: Buffer[] = [];
      let fakes = 0;
      for (let size = 0, i = 0; size < 4 * MiB; i++) {
        const p = Buffer.from(`record ${i} `.padEnd(40, '.'));
        parts.push(fakeHeader(MAX_RECORD_BYTES), record(p));
        kept.push(p);
        fakes++;
        size += 12 + 12 + p.length;
      }
      const { store } = open(withLog(Buffer.concat(parts)));
      assertPayloads(store.loaded, kept);
      assert.equal(store.stats().skippedBytes, 12 * fakes);
    });
  });

  describe('a writer killed mid-append', () => {
    it('leaves exactly records 0..k-1, three kills in a row, each reopen appending after the last', async () => {
      const dir = freshDir();
      const log = path.join(dir, 'log');
      let before = 0;
      for (let round = 0; round < 3; round++) {
        const sizeBefore = sizeOf(log);
        const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        const ended: { exit?: { code: number | null; signal: NodeJS.Signals | null } } = {};
        const exitOf = (): typeof ended.exit => ended.exit; // read through a call: TS would narrow it to undefined
        const exited = new Promise<void>((resolve) =>
          child.on('exit', (code, signal) => {
            ended.exit = { code, signal };
            resolve();
          }),
        );
        const deadline = Date.now() + 30_000;
        while (sizeOf(log) <= sizeBefore && exitOf() === undefined && Date.now() < deadline) await sleep(5);
        assert.equal(exitOf(), undefined, `the writer exited on its own: ${stderr}`);
        assert.ok(sizeOf(log) > sizeBefore, 'the writer started writing');
        await sleep(300);
        child.kill('SIGKILL');
        await exited;
        assert.equal(exitOf()?.signal, 'SIGKILL', stderr);

        const { store, warnings } = open(dir);
        const k = store.loaded.length;
        assert.ok(k > before, `round ${round}: ${k} records, had ${before}`);
        store.loaded.forEach((bytes, i) => {
          const r = JSON.parse(bytes.toString()) as { i: number; n: number; pad: string };
          assert.equal(r.i, i);
          assert.equal(r.pad.length, r.n);
          assert.match(r.pad, /^x*$/);
        });
        // at most the record being written when killed
        assert.ok(warnings.length <= 1, warnings.join('\n'));
        assert.ok(store.stats().skippedBytes < 12 + 64 * 1024 + 64, `skipped ${store.stats().skippedBytes}`);
        assert.equal(sizeOf(log), store.stats().logBytes);
        store.close();
        before = k;
      }
    });
  });

  describe('compact', () => {
    it('keeps what the filter keeps, drops images not live, and goes on appending', () => {
      const dir = freshDir();
      const { store } = open(dir);
      store.appendMany(['keep 0', 'drop 1', 'keep 2'].map((s) => Buffer.from(s)));
      store.close();
      const { store: s2 } = open(dir);
      s2.append(Buffer.from('drop 3'));
      s2.append(Buffer.from('keep 4'));
      const blobs = ['a', 'bb', 'ccc'].map((s) => Buffer.from(s.repeat(100)));
      const names = blobs.map(sha256);
      blobs.forEach((b, i) => s2.putBlob(names[i]!, b));
      assert.equal(s2.stats().blobBytes, 600);

      s2.compact((p) => p.toString().startsWith('keep'), new Set([names[1]!]));
      const kept = ['keep 0', 'keep 2', 'keep 4'].map((s) => Buffer.from(s));
      assert.deepEqual(s2.stats(), { records: 3, logBytes: encode(kept).length, skippedBytes: 0, blobBytes: 200 });
      assert.ok(fs.readFileSync(path.join(dir, 'log')).equals(encode(kept)), 'the file holds only the kept records');
      assert.deepEqual(names.map((n) => s2.hasBlob(n)), [false, true, false]);
      assert.ok(s2.readBlob(names[1]!)?.equals(blobs[1]!), 'the live image is intact');
      assert.ok(!fs.existsSync(path.join(dir, 'log.tmp')), 'no log.tmp left by compact');

      s2.append(Buffer.from('after compact'));
      s2.compact();
      s2.close();
      const again = open(dir);
      assertPayloads(again.store.loaded, [...kept, Buffer.from('after compact')]);
      assert.deepEqual(again.warnings, []);
      assert.equal(again.store.stats().blobBytes, 200);
    });

    it('changes nothing when the filter throws', () => {
      const dir = freshDir();
      const { store } = open(dir);
      store.appendMany([Buffer.from('a'), Buffer.from('b')]);
      const before = fs.readFileSync(path.join(dir, 'log'));
      assert.throws(() =>
        store.compact(() => {
          throw new Error('filter failed');
        }),
      );
      assert.ok(fs.readFileSync(path.join(dir, 'log')).equals(before), 'log unchanged');
      store.append(Buffer.from('c'));
      store.close();
      assertPayloads(open(dir).store.loaded, ['a', 'b', 'c'].map((s) => Buffer.from(s)));
    });

    it('removes a log.tmp and images/.tmp-* left by a crash, and keeps the log intact', () => {
      const dir = freshDir();
      const { store } = open(dir);
      const payloads = [Buffer.from('one'), Buffer.from('two')];
      store.appendMany(payloads);
      store.putBlob(sha256(Buffer.from('img')), Buffer.from('img'));
      store.close();
      // a compaction and a putBlob that died half-way
      fs.writeFileSync(path.join(dir, 'log.tmp'), encode([Buffer.from('one')]).subarray(0, 9));
      fs.writeFileSync(path.join(dir, 'images', '.tmp-0123abcd'), 'half an image');
      const { store: again, warnings } = open(dir);
      assert.ok(!fs.existsSync(path.join(dir, 'log.tmp')), 'the leftover log.tmp is removed at open');
      assert.deepEqual(fs.readdirSync(path.join(dir, 'images')), [sha256(Buffer.from('img'))]);
      assertPayloads(again.loaded, payloads);
      assert.deepEqual(warnings, []);
      assert.equal(again.stats().blobBytes, 3);
    });
  });

  describe('blobs', () => {
    it('puts, reads and tells whether a blob is there, with private files', () => {
      const dir = freshDir();
      const { store } = open(dir);
      const bytes = pseudoRandom(20, 5000);
      const name = sha256(bytes);
      assert.equal(store.hasBlob(name), false);
      assert.equal(store.readBlob(name), undefined);
      store.putBlob(name, bytes);
      assert.equal(store.hasBlob(name), true);
      assert.ok(store.readBlob(name)?.equals(bytes), 'readBlob returns the bytes');
      assert.equal(store.blobPath(name), path.join(path.resolve(dir), 'images', name));
      assert.ok(fs.readFileSync(store.blobPath(name)).equals(bytes), 'the file at blobPath holds the bytes');
      if (process.platform !== 'win32') assert.equal(fs.statSync(store.blobPath(name)).mode & 0o777, 0o600);
      assert.equal(store.stats().blobBytes, 5000);
      store.close();
      const again = open(dir).store;
      assert.equal(again.stats().blobBytes, 5000);
      assert.ok(again.readBlob(name)?.equals(bytes), 'the blob survives a reopen');
    });

    it('keeps a blob already there with the same size, and replaces one of another size', () => {
      const { store } = open(freshDir());
      const bytes = Buffer.from('the image');
      const name = sha256(bytes);
      store.putBlob(name, bytes);
      const first = fs.statSync(store.blobPath(name));
      store.putBlob(name, Buffer.from('XXX image'));
      const second = fs.statSync(store.blobPath(name));
      assert.equal(second.ino, first.ino, 'not rewritten');
      assert.ok(store.readBlob(name)?.equals(bytes), 'the first blob is kept');
      store.putBlob(name, Buffer.from('a longer image'));
      assert.ok(store.readBlob(name)?.equals(Buffer.from('a longer image')), 'a blob of another size replaces it');
      assert.equal(store.stats().blobBytes, 'a longer image'.length);
      assert.deepEqual(fs.readdirSync(path.dirname(store.blobPath(name))), [name]);
    });

    it('refuses any name but 64 lower-case hex digits, path traversal included', () => {
      const dir = freshDir();
      const { store } = open(dir);
      const bad = ['../x', '..', '', 'x', 'a'.repeat(63), 'a'.repeat(65), 'A'.repeat(64), `../${'a'.repeat(61)}`, `${'a'.repeat(64)}\n`, `${'a'.repeat(63)}/`, '.tmp-1', 'g'.repeat(64), `${'a'.repeat(32)}\0${'a'.repeat(31)}`];
      for (const name of bad) {
        throwsCode(() => store.putBlob(name, Buffer.from('x')), 'ERR_BAD_INPUT');
        throwsCode(() => store.readBlob(name), 'ERR_BAD_INPUT');
        throwsCode(() => store.hasBlob(name), 'ERR_BAD_INPUT');
        throwsCode(() => store.blobPath(name), 'ERR_BAD_INPUT');
      }
      assert.deepEqual(fs.readdirSync(path.join(dir, 'images')), []);
      assert.deepEqual(fs.readdirSync(dir).sort(), ['images', 'log']);
      assert.ok(!fs.existsSync(path.join(dir, '..', 'x')), 'nothing written outside images/');
    });
  });

  describe('limits', () => {
    it('refuses appends beyond maxLogBytes, leaving the file as it was', () => {
      const dir = freshDir();
      const { store } = open(dir, { maxLogBytes: 1000 });
      for (let i = 0; i < 8; i++) store.append(Buffer.alloc(100, i)); // 8 × 112 = 896 bytes
      const log = path.join(dir, 'log');
      const before = fs.readFileSync(log);
      throwsCode(() => store.append(Buffer.alloc(100)), 'ERR_LIMIT');
      throwsCode(() => store.appendMany([Buffer.alloc(50), Buffer.alloc(50)]), 'ERR_LIMIT');
      assert.ok(fs.readFileSync(log).equals(before), 'log unchanged');
      assert.equal(store.stats().records, 8);
      store.append(Buffer.alloc(92)); // exactly 1000
      assert.equal(store.stats().logBytes, 1000);
      throwsCode(() => store.append(Buffer.alloc(0)), 'ERR_LIMIT');
    });

    it('refuses a record above MAX_RECORD_BYTES, alone or among others, writing nothing', () => {
      const dir = freshDir();
      const { store } = open(dir);
      store.append(Buffer.from('before'));
      const before = fs.readFileSync(path.join(dir, 'log'));
      throwsCode(() => store.append(Buffer.alloc(MAX_RECORD_BYTES + 1)), 'ERR_LIMIT');
      throwsCode(() => store.appendMany([Buffer.from('fits'), Buffer.alloc(MAX_RECORD_BYTES + 1)]), 'ERR_LIMIT');
      assert.ok(fs.readFileSync(path.join(dir, 'log')).equals(before), 'log unchanged');
      assert.equal(store.stats().records, 1);
    });

    it('refuses blobs beyond maxBlobBytes, leaving nothing behind', () => {
      const dir = freshDir();
      const { store } = open(dir, { maxBlobBytes: 1000 });
      const a = Buffer.alloc(600, 1);
      const b = Buffer.alloc(500, 2);
      const c = Buffer.alloc(400, 3);
      store.putBlob(sha256(a), a);
      throwsCode(() => store.putBlob(sha256(b), b), 'ERR_LIMIT');
      assert.equal(store.hasBlob(sha256(b)), false);
      assert.deepEqual(fs.readdirSync(path.join(dir, 'images')), [sha256(a)]);
      store.putBlob(sha256(c), c); // exactly 1000
      assert.equal(store.stats().blobBytes, 1000);
    });
  });

  describe('errors', () => {
    it('throws ERR_STORE when log is a folder', () => {
      const dir = freshDir();
      fs.mkdirSync(path.join(dir, 'log'), { recursive: true });
      assert.throws(
        () => LogStore.open(dir),
        (err: unknown) => isNetError(err, 'ERR_STORE') && /folder/.test(err.message),
      );
    });

    it('throws ERR_STORE when log cannot be opened', () => {
      if (process.platform === 'win32') return;
      const dir = freshDir();
      fs.mkdirSync(dir, { recursive: true });
      fs.symlinkSync('log', path.join(dir, 'log')); // a loop: unreadable even for root
      throwsCode(() => LogStore.open(dir), 'ERR_STORE');
      if (process.getuid?.() !== 0) {
        const other = freshDir();
        fs.mkdirSync(other, { recursive: true });
        fs.writeFileSync(path.join(other, 'log'), encode([Buffer.from('x')]), { mode: 0o000 });
        throwsCode(() => LogStore.open(other), 'ERR_STORE');
      }
    });

    it('refuses use after close with ERR_CLOSED; destroy removes the folder', () => {
      const dir = freshDir();
      const { store } = open(dir);
      store.append(Buffer.from('x'));
      store.close();
      throwsCode(() => store.append(Buffer.from('y')), 'ERR_CLOSED');
      throwsCode(() => store.appendMany([Buffer.from('y')]), 'ERR_CLOSED');
      throwsCode(() => store.putBlob('a'.repeat(64), Buffer.from('y')), 'ERR_CLOSED');
      throwsCode(() => store.compact(), 'ERR_CLOSED');
      assert.equal(store.stats().records, 1);
      const again = open(dir).store;
      again.destroy();
      again.destroy();
      assert.ok(!fs.existsSync(dir), 'the folder is gone');
    });
  });
});
