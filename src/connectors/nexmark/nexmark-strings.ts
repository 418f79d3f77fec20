/**
 * The text values of Nexmark events: the value lists of its model generators (names, cities,
 * states, channels) and its random strings, drawn the way Nexmark draws them — lengths, the
 * share of spaces, `extra` padded to an average size — but cut from pools made once, so an event
 * costs a substring, not a loop over characters.
 */
import { EventRandom } from './event-random.js';

/** Nexmark keeps these lists short so that queries find matches in small runs. */
export const US_STATES: readonly string[] = ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY'];
export const US_CITIES: readonly string[] = [
  'Phoenix', 'Los Angeles', 'San Francisco', 'Boise', 'Portland', 'Bend', 'Redmond', 'Seattle', 'Kent', 'Cheyenne',
];
export const FIRST_NAMES: readonly string[] = ['Peter', 'Paul', 'Luke', 'John', 'Saul', 'Vicky', 'Kate', 'Julie', 'Sarah', 'Deiter', 'Walter'];
export const LAST_NAMES: readonly string[] = ['Shultz', 'Abrams', 'Spencer', 'White', 'Bartels', 'Walton', 'Smith', 'Jones', 'Noris'];
/** The channels most bids come through; their URLs carry no `channel_id`. */
export const HOT_CHANNELS: readonly string[] = ['Google', 'Facebook', 'Baidu', 'Apple'];
/** Other channels are `channel-0` … `channel-9999`. */
export const CHANNELS_NUMBER = 10_000;

/** Nexmark's shortest random string (before trimming). */
const MIN_STRING_LENGTH = 3;
/** One character in 13 of a random string is the special one (a space, or `_` in URLs). */
const SPECIAL_ONE_IN = 13;
/** Pool sizes: 1 MiB of characters as Nexmark's reusable extra string, 256 KiB of text. */
const EXTRA_POOL_LENGTH = 1 << 20;
const TEXT_POOL_LENGTH = 1 << 18;
/** The tables are drawn from this seed, so every process has the same ones. */
const TABLES_SEED = 0x4e45584d; // 'NEXM'

/** Value tables shared by every generator of the process (built on first use). */
export interface NexmarkTables {
  /** Nexmark's reusable extra string: `H` … `z`, as its `nextExactString` makes them. */
  readonly extraPool: string;
  /** Letters with one space in 13, for item names, descriptions and e-mail parts. */
  readonly textPool: string;
  /** Every `first last` name. */
  readonly fullNames: readonly string[];
  /** `0000` … `9999`, the groups of a credit card number. */
  readonly cardGroups: readonly string[];
  /** The URL of each hot channel. */
  readonly hotUrls: readonly string[];
  /** `channel-<i>`, and its URL (nine in ten with `&channel_id=<bit-reversed i>`). */
  readonly channelNames: readonly string[];
  readonly channelUrls: readonly string[];
}

let tables: NexmarkTables | undefined;

/** The process's value tables. */
export function nexmarkTables(): NexmarkTables {
  return (tables ??= buildTables());
}

function buildTables(): NexmarkTables {
  const random = new EventRandom(TABLES_SEED);
  const extra = exactChars(random, EXTRA_POOL_LENGTH);
  const text = Buffer.allocUnsafe(TEXT_POOL_LENGTH);
  for (let i = 0; i < text.length; i++) text[i] = random.nextInt(SPECIAL_ONE_IN) === 0 ? 32 : 97 + random.nextInt(26);

  const fullNames = FIRST_NAMES.flatMap((f) => LAST_NAMES.map((l) => `${f} ${l}`));
  const cardGroups = Array.from({ length: 10_000 }, (_, i) => String(i).padStart(4, '0'));
  const hotUrls = HOT_CHANNELS.map(() => baseUrl(random));
  const channelNames: string[] = [];
  const channelUrls: string[] = [];
  for (let i = 0; i < CHANNELS_NUMBER; i++) {
    let url = baseUrl(random);
    if (random.nextInt(10) > 0) url += `&channel_id=${channelId(i)}`;
    channelNames.push(`channel-${i}`);
    channelUrls.push(url);
  }
  return Object.freeze({
    extraPool: extra,
    textPool: text.toString('latin1'),
    fullNames,
    cardGroups,
    hotUrls,
    channelNames,
    channelUrls,
  });
}

/** Java's `Math.abs(Integer.reverse(i))`, overflow included (the reverse of 1 stays negative). */
export function channelId(i: number): number {
  let v = i >>> 0;
  let r = 0;
  for (let b = 0; b < 32; b++) {
    r = (r << 1) | (v & 1);
    v >>>= 1;
  }
  return Math.abs(r | 0) | 0;
}

function baseUrl(random: EventRandom): string {
  const part = () => randomChars(random, 5, '_');
  return `https://www.nexmark.com/${part()}/${part()}/${part()}/item.htm?query=1`;
}

/** A random string drawn character by character (for the tables only). */
function randomChars(random: EventRandom, maxLength: number, special: string): string {
  let len = MIN_STRING_LENGTH + random.nextInt(maxLength - MIN_STRING_LENGTH);
  let s = '';
  while (len-- > 0) s += random.nextInt(SPECIAL_ONE_IN) === 0 ? special : String.fromCharCode(97 + random.nextInt(26));
  return s.trim();
}

/**
 * Nexmark's `nextString`: 3 to `maxLength - 1` characters, one in 13 a space, then trimmed (so
 * it may be shorter, or empty).
 */
export function nextString(random: EventRandom, t: NexmarkTables, maxLength: number): string {
  const len = MIN_STRING_LENGTH + random.nextInt(maxLength - MIN_STRING_LENGTH);
  const at = random.nextInt(t.textPool.length - len);
  return t.textPool.substring(at, at + len).trim();
}

/**
 * The characters of Nexmark's `nextExactString`: six from each random 32-bit int, `'a' + rnd %
 * 26` and then `rnd /= 26`, in Java's signed int arithmetic. Half the ints are negative, and
 * their remainders are −25 … 0, so the characters run from `H` to `z` and each lower-case letter
 * after `a` is one character in 52, not 26 — which is what q14's count of `c`s in `extra` sees.
 */
export function exactChars(random: Pick<EventRandom, 'nextUint32'>, length: number): string {
  const chars = Buffer.allocUnsafe(length);
  let rnd = 0;
  let left = 0;
  for (let i = 0; i < length; i++) {
    if (left === 0) {
      rnd = random.nextUint32() | 0;
      left = 6;
    }
    // `%` and `| 0` truncate toward zero, as Java's int `%` and `/` do.
    chars[i] = 97 + (rnd % 26);
    rnd = (rnd / 26) | 0;
    left--;
  }
  return chars.toString('latin1');
}

/** Nexmark's `nextExactString`: `length` characters, cut from the extra pool where it can. */
export function nextExactString(random: EventRandom, t: NexmarkTables, length: number): string {
  if (length < t.extraPool.length / 2) {
    const at = random.nextInt(t.extraPool.length - length);
    return t.extraPool.substring(at, at + length);
  }
  return exactChars(random, length);
}

/**
 * Nexmark's `nextExtra`: letters that bring `currentSize` up to `averageSize` on average,
 * uniformly within ±20% of the gap; empty if the event is already larger.
 */
export function nextExtra(random: EventRandom, t: NexmarkTables, currentSize: number, averageSize: number): string {
  if (currentSize > averageSize) return '';
  const gap = averageSize - currentSize;
  const delta = Math.round(gap * 0.2);
  const size = gap - delta + (delta === 0 ? 0 : random.nextInt(2 * delta));
  return nextExactString(random, t, size);
}
