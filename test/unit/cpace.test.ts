import { strict as assert } from 'node:assert';
import sodium from 'libsodium-wrappers-sumo';
import {
  CPACE_DSI,
  CPACE_DSI_ISK,
  CpaceError,
  cpaceFinishInitiatorResponder,
  cpaceGenerator,
  cpaceIsk,
  cpaceReady,
  cpaceScalarMultVfy,
  cpaceStart,
  generatorString,
  lexicographicallyLarger,
  lvCat,
  oCat,
  prependLen,
  transcriptIr,
  transcriptOc,
} from '../../src/net/cpace';

/** Hex in, bytes out; joined first so long vectors can be wrapped like in the draft. */
function hex(...chunks: string[]): Uint8Array {
  const text = chunks.join('');
  assert.match(text, /^([0-9a-f]{2})*$/, 'test vector is not even-length lowercase hex');
  return new Uint8Array(Buffer.from(text, 'hex'));
}
function toHex(bytes: Uint8Array | undefined): string {
  assert.ok(bytes, 'expected bytes, got undefined');
  return Buffer.from(bytes).toString('hex');
}
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const range = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i);

// Test vectors copied from draft-irtf-cfrg-cpace-21 (git tag draft-irtf-cfrg-cpace-21 of
// github.com/cfrg/draft-irtf-cfrg-cpace; the same values are in its testvectors.json,
// "G_Coffee25519" and "G_Coffee25519_points").
// Appendix A.1.2 "prepend_len test vectors", A.1.4 "Testvector for lv_cat()",
// A.3.3 "Test vectors ordered concatenation", A.3.5 "Test vectors transcript_ir function",
// A.3.7 "Test vectors for transcript_oc function".
// Appendix B.3 "Test vector for CPace using group ristretto255 and hash SHA-512":
// B.3.1 calculate_generator, B.3.2 message from A, B.3.3 message from B, B.3.4 secret points K,
// B.3.5 ISK initiator/responder, B.3.6 ISK parallel execution, B.3.10 scalar_mult with valid
// inputs, B.3.11 invalid inputs for scalar_mult_vfy.
const TV = {
  PRS: ascii('Password'),
  CI: hex('0b415f696e69746961746f720b425f726573706f6e646572'),
  sid: hex('7e4b4791d6a8ef019b936c79fb7f2c57'),
  zpadLength: 100,
  generatorString: hex(
    '11435061636552697374726574746f3235350850617373776f726464',
    '00000000000000000000000000000000000000000000000000000000',
    '00000000000000000000000000000000000000000000000000000000',
    '00000000000000000000000000000000000000000000000000000000',
    '00000000000000000000000000000000180b415f696e69746961746f',
    '720b425f726573706f6e646572107e4b4791d6a8ef019b936c79fb7f',
    '2c57',
  ),
  generatorHash: hex(
    'da6d3ddc8802fca9058755ffd3ebde08a9c2c74945901a258482a288',
    'b6663af06bf645c93cd1c51512307199c80e84908916d983b34af772',
    '05f90851a657ee27',
  ),
  g: hex('222b6b195fe84b1652badb6f6a3ae3d24341e7306967f0b8115b40d5', '698c7e56'),
  ADa: ascii('ADa'),
  ya: hex('da3d23700a9e5699258aef94dc060dfda5ebb61f02a5ea77fad53f4f', 'f0976d08'),
  Ya: hex('d6bac480f2c386c394efc7c47adb9925dcd2630b64f240c50f8d0eec', '482b9157'),
  ADb: ascii('ADb'),
  yb: hex('d2316b454718c35362d83d69df6320f38578ed5984651435e2949762', 'd900b80d'),
  Yb: hex('3ea7e0b19560d7c0b0f5734f63b955286dfa8232b5ebe63324e2d9e7', '433f7258'),
  K: hex('80b69a8a76457ab6a4d7f887a4bf6b55a2f80ac19c333f917a05fc98', '87c8b40f'),
  transcriptIr: hex(
    '20d6bac480f2c386c394efc7c47adb9925dcd2630b64f240c50f8d0e',
    'ec482b915703414461203ea7e0b19560d7c0b0f5734f63b955286dfa',
    '8232b5ebe63324e2d9e7433f725803414462',
  ),
  DSI_ISK: hex('435061636552697374726574746f3235355f49534b'),
  iskInputIr: hex(
    '15435061636552697374726574746f3235355f49534b107e4b4791d6',
    'a8ef019b936c79fb7f2c572080b69a8a76457ab6a4d7f887a4bf6b55',
    'a2f80ac19c333f917a05fc9887c8b40f20d6bac480f2c386c394efc7',
    'c47adb9925dcd2630b64f240c50f8d0eec482b915703414461203ea7',
    'e0b19560d7c0b0f5734f63b955286dfa8232b5ebe63324e2d9e7433f',
    '725803414462',
  ),
  ISK_IR: hex(
    'b69effbf61b51d56401c0f65601abe428de8206feaaf0e32198896dc',
    'ae7b35cd2b38950a39dfd5d4a79164614c2984f7daa460b588c1e80c',
    '3fa2068af7900447',
  ),
  transcriptOc: hex(
    '6f6320d6bac480f2c386c394efc7c47adb9925dcd2630b64f240c50f',
    '8d0eec482b915703414461203ea7e0b19560d7c0b0f5734f63b95528',
    '6dfa8232b5ebe63324e2d9e7433f725803414462',
  ),
  ISK_SY: hex(
    '544199d71f62f8d9a1fee55727e24fe4a45844593c2b6013c4fa3969',
    'd0e5debb2244675c0b43397cbb68d342b01fc0f98fc961469a25134d',
    'e9f0f813c1a57476',
  ),
  // B.3.10 / B.3.11
  s: hex('7cd0e075fa7955ba52c02759a6c90dbbfc10e6d40aea8d283e407d88', 'cf538a05'),
  X: hex('2c3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d6', '54b4a51c'),
  sX: hex('7c13645fe790a468f62c39beb7388e541d8405d1ade69d1778c5fe3e', '7f6b600e'),
  Y_i1: hex('2b3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d6', '54b4a51c'),
  Y_i2: hex('00000000000000000000000000000000000000000000000000000000', '00000000'),
};

describe('CPace ristretto255-SHA512 (draft-irtf-cfrg-cpace-21)', () => {
  before(async () => {
    await cpaceReady();
  });

  describe('string utilities (Appendix A)', () => {
    it('prepend_len matches A.1.2, including the 1- to 2-byte LEB128 step at 128', () => {
      assert.equal(toHex(prependLen(new Uint8Array())), '00');
      assert.equal(toHex(prependLen(ascii('1234'))), '0431323334');
      assert.equal(
        toHex(prependLen(range(127))),
        '7f000102030405060708090a0b0c0d0e0f101112131415161718191a1b' +
          '1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738' +
          '393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455' +
          '565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172' +
          '737475767778797a7b7c7d7e',
      );
      assert.equal(
        toHex(prependLen(range(128))),
        '8001000102030405060708090a0b0c0d0e0f101112131415161718191a' +
          '1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637' +
          '38393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f5051525354' +
          '55565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f7071' +
          '72737475767778797a7b7c7d7e7f',
      );
    });

    it('prepend_len encodes longer lengths in LEB128 (not a draft vector: 300 = 0xac 0x02, 16384 = 0x80 0x80 0x01)', () => {
      assert.equal(toHex(prependLen(new Uint8Array(300)).subarray(0, 2)), 'ac02');
      assert.equal(prependLen(new Uint8Array(300)).length, 302);
      assert.equal(toHex(prependLen(new Uint8Array(16384)).subarray(0, 3)), '808001');
    });

    it('lv_cat matches A.1.4', () => {
      assert.equal(toHex(lvCat(ascii('1234'), ascii('5'), new Uint8Array(), ascii('678'))), '043132333401350003363738');
      assert.equal(toHex(lvCat()), '');
    });

    it('lexicographic ordering and o_cat match A.3.3', () => {
      assert.equal(lexicographicallyLarger(hex('00'), hex('0000')), false);
      assert.equal(lexicographicallyLarger(hex('01'), hex('0000')), true);
      assert.equal(lexicographicallyLarger(hex('0000'), hex('00')), true);
      assert.equal(lexicographicallyLarger(hex('0000'), hex('01')), false);
      assert.equal(lexicographicallyLarger(hex('0001'), hex('01')), false);
      assert.equal(lexicographicallyLarger(ascii('ABCD'), ascii('BCD')), false);
      assert.equal(toHex(oCat(ascii('ABCD'), ascii('BCD'))), '6f6342434441424344');
      assert.equal(toHex(oCat(ascii('BCD'), ascii('ABCDE'))), '6f634243444142434445');
    });

    it('transcript_ir matches A.3.5 and transcript_oc matches A.3.7', () => {
      const [pa, pb] = [ascii('PartyA'), ascii('PartyB')];
      assert.equal(toHex(transcriptIr(ascii('123'), pa, ascii('234'), pb)), '03313233065061727479410332333406506172747942');
      assert.equal(
        toHex(transcriptIr(ascii('3456'), pa, ascii('2345'), pb)),
        '043334353606506172747941043233343506506172747942',
      );
      assert.equal(
        toHex(transcriptOc(ascii('123'), pa, ascii('234'), pb)),
        '6f6303323334065061727479420331323306506172747941',
      );
      assert.equal(
        toHex(transcriptOc(ascii('3456'), pa, ascii('2345'), pb)),
        '6f63043334353606506172747941043233343506506172747942',
      );
    });
  });

  describe('generator (B.3.1)', () => {
    it('uses the DSI strings of the draft', () => {
      assert.equal(toHex(CPACE_DSI), toHex(ascii('CPaceRistretto255')));
      assert.equal(toHex(CPACE_DSI_ISK), toHex(TV.DSI_ISK));
    });

    it('builds the zero-padded generator string (ZPAD length 100 fills the first 128-byte block)', () => {
      const genStr = generatorString(CPACE_DSI, TV.PRS, TV.CI, TV.sid, 128);
      assert.equal(genStr.length, 170);
      assert.equal(toHex(genStr), toHex(TV.generatorString));
      // DSI (1+17) + PRS (1+8) + zpad length byte (1) + zpad (100) = 128: exactly one block,
      // the zeros starting at offset 28.
      assert.equal(1 + 17 + 1 + 8 + 1 + TV.zpadLength, 128);
      assert.equal(toHex(genStr.subarray(28, 28 + TV.zpadLength)), '00'.repeat(TV.zpadLength));
    });

    it('gives the hash result and the encoded generator g', () => {
      assert.equal(toHex(sodium.crypto_hash_sha512(TV.generatorString)), toHex(TV.generatorHash));
      assert.equal(toHex(cpaceGenerator(TV.PRS, TV.CI, TV.sid)), toHex(TV.g));
    });

    it('drops the padding once PRS and DSI alone exceed the block', () => {
      const longPrs = new Uint8Array(200).fill(0x61);
      const genStr = generatorString(CPACE_DSI, longPrs, TV.CI, TV.sid, 128);
      assert.equal(toHex(genStr), toHex(lvCat(CPACE_DSI, longPrs, new Uint8Array(), TV.CI, TV.sid)));
    });
  });

  describe('protocol run (B.3.2 - B.3.6)', () => {
    it('computes Ya and Yb from the fixed scalars', () => {
      const a = cpaceStart(TV.PRS, TV.CI, TV.sid, TV.ya);
      const b = cpaceStart(TV.PRS, TV.CI, TV.sid, TV.yb);
      assert.equal(toHex(a.scalar), toHex(TV.ya));
      assert.equal(toHex(a.share), toHex(TV.Ya));
      assert.equal(toHex(b.share), toHex(TV.Yb));
    });

    it('computes K = scalar_mult_vfy(ya, Yb) = scalar_mult_vfy(yb, Ya)', () => {
      const ka = cpaceScalarMultVfy(TV.ya, TV.Yb);
      const kb = cpaceScalarMultVfy(TV.yb, TV.Ya);
      assert.ok(ka.ok && kb.ok);
      assert.equal(toHex(ka.point), toHex(TV.K));
      assert.equal(toHex(kb.point), toHex(TV.K));
    });

    it('derives the initiator/responder ISK on both sides, from the draft transcript and ISK input', () => {
      assert.equal(toHex(transcriptIr(TV.Ya, TV.ADa, TV.Yb, TV.ADb)), toHex(TV.transcriptIr));
      assert.equal(toHex(lvCat(TV.DSI_ISK, TV.sid, TV.K)) + toHex(TV.transcriptIr), toHex(TV.iskInputIr));
      assert.equal(toHex(cpaceIsk(TV.sid, TV.K, TV.transcriptIr)), toHex(TV.ISK_IR));

      const a = cpaceStart(TV.PRS, TV.CI, TV.sid, TV.ya);
      const b = cpaceStart(TV.PRS, TV.CI, TV.sid, TV.yb);
      const iskA = cpaceFinishInitiatorResponder(a, b.share, TV.sid, TV.ADa, TV.ADb, 'initiator');
      const iskB = cpaceFinishInitiatorResponder(b, a.share, TV.sid, TV.ADa, TV.ADb, 'responder');
      assert.equal(toHex(iskA), toHex(TV.ISK_IR));
      assert.equal(toHex(iskB), toHex(TV.ISK_IR));
    });

    it('derives the parallel (symmetric, transcript_oc) ISK', () => {
      assert.equal(toHex(transcriptOc(TV.Ya, TV.ADa, TV.Yb, TV.ADb)), toHex(TV.transcriptOc));
      assert.equal(toHex(transcriptOc(TV.Yb, TV.ADb, TV.Ya, TV.ADa)), toHex(TV.transcriptOc));
      assert.equal(toHex(cpaceIsk(TV.sid, TV.K, TV.transcriptOc)), toHex(TV.ISK_SY));
    });

    it('gives a different ISK when a role, an AD, the sid or the password differs', () => {
      const a = cpaceStart(TV.PRS, TV.CI, TV.sid, TV.ya);
      // Wrong role: the initiator put its share second in the transcript.
      assert.notEqual(
        toHex(cpaceFinishInitiatorResponder(a, TV.Yb, TV.sid, TV.ADa, TV.ADb, 'responder')),
        toHex(TV.ISK_IR),
      );
      // Swapped associated data.
      assert.notEqual(
        toHex(cpaceFinishInitiatorResponder(a, TV.Yb, TV.sid, TV.ADb, TV.ADa, 'initiator')),
        toHex(TV.ISK_IR),
      );
      // Other sid in the ISK hash only.
      assert.notEqual(
        toHex(cpaceFinishInitiatorResponder(a, TV.Yb, hex('00'), TV.ADa, TV.ADb, 'initiator')),
        toHex(TV.ISK_IR),
      );
      // Other password: other generator, other share.
      const wrong = cpaceStart(ascii('Passwort'), TV.CI, TV.sid, TV.ya);
      assert.notEqual(toHex(wrong.share), toHex(TV.Ya));
      assert.notEqual(
        toHex(cpaceFinishInitiatorResponder(wrong, TV.Yb, TV.sid, TV.ADa, TV.ADb, 'initiator')),
        toHex(TV.ISK_IR),
      );
    });

    it('agrees on a fresh random run and disagrees with a wrong password', () => {
      const sid = hex('0102030405060708090a0b0c0d0e0f10');
      const ci = ascii('alice|bob');
      const a = cpaceStart(ascii('correct horse'), ci, sid);
      const b = cpaceStart(ascii('correct horse'), ci, sid);
      const m = cpaceStart(ascii('wrong horse'), ci, sid);
      assert.equal(a.scalar.length, 32);
      assert.notEqual(toHex(a.scalar), toHex(b.scalar));
      const iskA = cpaceFinishInitiatorResponder(a, b.share, sid, ascii('A'), ascii('B'), 'initiator');
      const iskB = cpaceFinishInitiatorResponder(b, a.share, sid, ascii('A'), ascii('B'), 'responder');
      assert.equal(iskA?.length, 64);
      assert.equal(toHex(iskA), toHex(iskB));
      const iskM = cpaceFinishInitiatorResponder(m, a.share, sid, ascii('A'), ascii('B'), 'responder');
      assert.notEqual(toHex(iskM), toHex(iskA));
    });
  });

  describe('scalar_mult_vfy (B.3.10, B.3.11)', () => {
    it('multiplies a valid point', () => {
      const r = cpaceScalarMultVfy(TV.s, TV.X);
      assert.ok(r.ok);
      assert.equal(toHex(r.point), toHex(TV.sX));
    });

    it('reports Y_i1 (not a valid encoding) and Y_i2 (the identity G.I) as failures', () => {
      assert.deepEqual(cpaceScalarMultVfy(TV.s, TV.Y_i1), { ok: false, reason: 'invalid-encoding' });
      assert.deepEqual(cpaceScalarMultVfy(TV.s, TV.Y_i2), { ok: false, reason: 'identity' });
      assert.deepEqual(cpaceScalarMultVfy(TV.s, TV.X.subarray(0, 31)), { ok: false, reason: 'invalid-encoding' });
    });

    it('makes both roles abort (undefined) when the peer sends Y_i1, Y_i2 or a wrong-length share', () => {
      const a = cpaceStart(TV.PRS, TV.CI, TV.sid, TV.ya);
      for (const bad of [TV.Y_i1, TV.Y_i2, new Uint8Array(0), new Uint8Array(33)]) {
        assert.equal(cpaceFinishInitiatorResponder(a, bad, TV.sid, TV.ADa, TV.ADb, 'initiator'), undefined);
        assert.equal(cpaceFinishInitiatorResponder(a, bad, TV.sid, TV.ADa, TV.ADb, 'responder'), undefined);
      }
    });
  });

  describe('local misuse', () => {
    const isCpaceError = (reason: string) => (err: unknown) => err instanceof CpaceError && err.reason === reason;

    it('refuses a zero, short or unreduced scalar', () => {
      assert.throws(() => cpaceStart(TV.PRS, TV.CI, TV.sid, new Uint8Array(32)), isCpaceError('bad-scalar'));
      assert.throws(() => cpaceStart(TV.PRS, TV.CI, TV.sid, TV.ya.subarray(0, 31)), isCpaceError('bad-scalar'));
      // The group order l itself, little endian: reduces to zero, so it is not a canonical scalar.
      const order = hex('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010');
      assert.throws(() => cpaceStart(TV.PRS, TV.CI, TV.sid, order), isCpaceError('bad-scalar'));
      assert.throws(() => cpaceScalarMultVfy(new Uint8Array(31), TV.X), isCpaceError('bad-scalar'));
    });

    it('refuses a malformed own share or role', () => {
      const a = cpaceStart(TV.PRS, TV.CI, TV.sid, TV.ya);
      const shortShare = { scalar: a.scalar, share: new Uint8Array(31) };
      assert.throws(
        () => cpaceFinishInitiatorResponder(shortShare, TV.Yb, TV.sid, TV.ADa, TV.ADb, 'initiator'),
        isCpaceError('bad-element'),
      );
      assert.throws(
        () => cpaceFinishInitiatorResponder(a, TV.Yb, TV.sid, TV.ADa, TV.ADb, 'both' as 'initiator'),
        isCpaceError('bad-role'),
      );
    });
  });
});
