/** MemorySize against Flink's MemorySizeTest: unit conversion, parsing (units, case, blanks), invalid input, toString. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemorySize } from '../../src/index.js';

const units = (m: MemorySize) => [m.getBytes(), m.getKibiBytes(), m.getMebiBytes(), m.getGibiBytes(), m.getTebiBytes()];

describe('MemorySize (Flink’s MemorySizeTest)', () => {
  test('testUnitConversion', () => {
    assert.deepEqual(units(MemorySize.ZERO), [0, 0, 0, 0, 0]);
    assert.deepEqual(units(new MemorySize(955)), [955, 0, 0, 0, 0]);
    assert.deepEqual(units(new MemorySize(18500)), [18500, 18, 0, 0, 0]);
    assert.deepEqual(units(new MemorySize(15 * 1024 * 1024)), [15_728_640, 15_360, 15, 0, 0]);
    assert.deepEqual(units(new MemorySize(2 * 1024 ** 4 + 10)), [2199023255562, 2147483648, 2097152, 2048, 2]);
    assert.deepEqual(units(MemorySize.ofMebiBytes(128)), [134_217_728, 131_072, 128, 0, 0]);
  });

  test('parsing: bytes, k, m, g, t in every spelling, any case, blanks trimmed', () => {
    for (const t of ['1234', '1234b', '1234 b', '1234bytes', '1234 bytes']) assert.equal(MemorySize.parse(t).getBytes(), 1234, t);
    for (const u of ['k', 'kb', 'kibibytes']) for (const sp of ['', ' ']) assert.equal(MemorySize.parse(`667766${sp}${u}`).getKibiBytes(), 667766);
    for (const u of ['m', 'mb', 'mebibytes']) for (const sp of ['', ' ']) assert.equal(MemorySize.parse(`7657623${sp}${u}`).getMebiBytes(), 7657623);
    for (const u of ['g', 'gb', 'gibibytes']) for (const sp of ['', ' ']) assert.equal(MemorySize.parse(`987654${sp}${u}`).getGibiBytes(), 987654);
    // Flink's case is 1234567 t, past 2^53 bytes: a smaller count here.
    for (const u of ['t', 'tb', 'tebibytes']) for (const sp of ['', ' ']) assert.equal(MemorySize.parse(`1234${sp}${u}`).getTebiBytes(), 1234);
    assert.deepEqual(['1 B', '1 K', '1 M', '1 G', '1 T'].map((t, i) => units(MemorySize.parse(t))[i]), [1, 1, 1, 1, 1]);
    assert.equal(MemorySize.parse('      155      ').getBytes(), 155);
    assert.equal(MemorySize.parse('      155      bytes   ').getBytes(), 155);
  });

  test('invalid: negative bytes, empty, blank, no number, a wrong unit, several numbers, a minus sign, overflow — each a RangeError in one line', () => {
    assert.throws(() => new MemorySize(-1), RangeError);
    for (const bad of ['', '     ', 'foobar or fubar or foo bazz', '16 gjah', '16 16 17 18 bytes', '-100 bytes', '100000000000000000000000000000000 bytes', '100000000000000 tb']) {
      assert.throws(() => MemorySize.parse(bad), (e: unknown) => e instanceof RangeError && /^MemorySize/.test(e.message) && !e.message.includes('\n'), bad);
    }
  });

  test('toString in the largest unit below the first that does not divide it, as Flink’s; equals by bytes', () => {
    assert.equal(MemorySize.ofMebiBytes(128).toString(), '128 mb');
    assert.equal(new MemorySize(1025).toString(), '1025 bytes');
    assert.equal(new MemorySize(3 * 1024).toString(), '3 kb');
    assert.equal(MemorySize.ZERO.toString(), '0 bytes');
    assert.ok(MemorySize.parse('1 m').equals(MemorySize.ofMebiBytes(1)));
    assert.ok(!MemorySize.parse('1 m').equals(1048576));
  });
});
