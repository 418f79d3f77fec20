import { describeArgument } from './describe-argument.js';

/**
 * A number of bytes, as Flink's `MemorySize` (org.apache.flink.configuration): what Flink 2.x's
 * `DefaultRollingPolicy.builder().withMaxPartSize(...)` takes. Parsed from text as Flink parses
 * it: a whole number, then optionally a unit — `b`/`bytes`, `k`/`kb`/`kibibytes`, `m`/`mb`/
 * `mebibytes`, `g`/`gb`/`gibibytes`, `t`/`tb`/`tebibytes` (powers of 1024, any case).
 *
 * @example MemorySize.ofMebiBytes(128).getBytes() // 134217728
 * @example MemorySize.parse('64 kb').getBytes() // 65536
 */
export class MemorySize {
  static readonly ZERO = new MemorySize(0);

  /** `bytes` must be a whole number from 0 up to `Number.MAX_SAFE_INTEGER` (Flink's long goes to 2⁶³ − 1). */
  constructor(private readonly bytes: number) {
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      throw new RangeError(`MemorySize: bytes must be a whole number >= 0 (at most ${Number.MAX_SAFE_INTEGER}); got ${describeArgument(bytes)}.`);
    }
  }

  static ofMebiBytes(mebiBytes: number): MemorySize {
    return new MemorySize(mebiBytes * 2 ** 20);
  }

  /** Parses `text` (a number of bytes, or a number and a unit); a RangeError names what is wrong. */
  static parse(text: string): MemorySize {
    const trimmed = typeof text === 'string' ? text.trim() : '';
    const m = /^(\d*)\s*(.*)$/s.exec(trimmed)!;
    const [, digits = '', unitText = ''] = m;
    if (digits === '') throw new RangeError(`MemorySize.parse: ${JSON.stringify(text)} does not start with a number.`);
    const unit = unitText.toLowerCase();
    const found = UNITS.find((u) => u.names.includes(unit));
    if (unit !== '' && !found) {
      throw new RangeError(`MemorySize.parse: the unit '${unit}' of ${JSON.stringify(text)} is none of ${UNITS.map((u) => u.names.join(' | ')).join(' / ')}.`);
    }
    const bytes = Number(digits) * (found?.multiplier ?? 1);
    if (!Number.isSafeInteger(bytes)) throw new RangeError(`MemorySize.parse: ${JSON.stringify(text)} is more bytes than ${Number.MAX_SAFE_INTEGER}.`);
    return new MemorySize(bytes);
  }

  getBytes(): number {
    return this.bytes;
  }

  getKibiBytes(): number {
    return Math.floor(this.bytes / 2 ** 10);
  }

  getMebiBytes(): number {
    return Math.floor(this.bytes / 2 ** 20);
  }

  getGibiBytes(): number {
    return Math.floor(this.bytes / 2 ** 30);
  }

  getTebiBytes(): number {
    return Math.floor(this.bytes / 2 ** 40);
  }

  equals(other: unknown): boolean {
    return other instanceof MemorySize && other.bytes === this.bytes;
  }

  /**
   * As Flink's: in the unit below the first that does not divide it (`128 mb`, `1025 bytes`);
   * in bytes when every unit divides it (`0 bytes`, a whole number of tebibytes).
   */
  toString(): string {
    const i = UNITS.findIndex((u) => this.bytes % u.multiplier !== 0);
    const unit = i > 0 ? UNITS[i - 1]! : UNITS[0]!;
    return `${this.bytes / unit.multiplier} ${unit.names[1]}`;
  }
}

const UNITS: readonly { readonly names: readonly string[]; readonly multiplier: number }[] = [
  { names: ['b', 'bytes'], multiplier: 1 },
  { names: ['k', 'kb', 'kibibytes'], multiplier: 2 ** 10 },
  { names: ['m', 'mb', 'mebibytes'], multiplier: 2 ** 20 },
  { names: ['g', 'gb', 'gibibytes'], multiplier: 2 ** 30 },
  { names: ['t', 'tb', 'tebibytes'], multiplier: 2 ** 40 },
];
