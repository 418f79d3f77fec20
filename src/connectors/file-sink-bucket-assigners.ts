/**
 * Flink's two bucket assigners (`org.apache.flink.streaming.api.functions.sink.filesystem.
 * bucketassigners`): every part in the sink's directory, or a bucket per processing-time period.
 */

/** What an assigner sees besides the record (Flink's `BucketAssigner.Context`). */
export interface BucketAssignerContext {
  /** The task's processing time (ms) as the record is written. */
  currentProcessingTime(): number;
  /** The sink's current watermark (`Number.MIN_SAFE_INTEGER` before the first). */
  currentWatermark(): number;
  /** The record's timestamp, or `null` if it has none (no timestamp assigner upstream). */
  timestamp(): number | null;
}

/** An assigner as an object (Flink's `BucketAssigner` interface); a plain function works too. */
export interface BucketAssignerObject<T> {
  getBucketId(element: T, context: BucketAssignerContext): string;
}

/** Puts every part in the sink's directory itself (Flink's `BasePathBucketAssigner`). */
export class BasePathBucketAssigner<T = unknown> implements BucketAssignerObject<T> {
  getBucketId(_element: T, _context: BucketAssignerContext): string {
    return '';
  }
}

const DEFAULT_FORMAT = 'yyyy-MM-dd--HH';

/** One piece of a compiled pattern: text as it is, or a date-time field padded to a width. */
type Piece = { readonly text: string } | { readonly field: 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'milli'; readonly width: number };

const FIELDS: Readonly<Record<string, 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'milli'>> = {
  y: 'year',
  u: 'year',
  M: 'month',
  d: 'day',
  H: 'hour',
  m: 'minute',
  s: 'second',
  S: 'milli',
};

/**
 * Compiles the subset of Java's DateTimeFormatter patterns a bucket path needs: y/u (year; `yy`
 * its last two digits), M, d, H, m, s, S (numbers, zero-padded to the letter count), text in
 * single quotes (`''` a quote) and any non-letter as it is. Other letters (month names, AM/PM,
 * zones…) are refused in one line rather than written wrongly.
 */
function compile(pattern: string): Piece[] {
  const pieces: Piece[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "'") {
      const end = pattern.indexOf("'", i + 1);
      if (end < 0) throw new TypeError(`DateTimeBucketAssigner: the format ${JSON.stringify(pattern)} has an unclosed quote.`);
      pieces.push({ text: end === i + 1 ? "'" : pattern.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (pattern[j] === c) j++;
      const field = FIELDS[c];
      const width = j - i;
      if (!field) throw new TypeError(`DateTimeBucketAssigner: the format letter '${c}' in ${JSON.stringify(pattern)} is not supported (use y, M, d, H, m, s, S and quoted text).`);
      // Java: MMM and longer are month names (not supported here); d, H, m, s take at most 2
      // letters; S (fraction of a second) at most 9.
      const max = field === 'year' ? 19 : field === 'milli' ? 9 : 2;
      if (width > max) throw new TypeError(`DateTimeBucketAssigner: '${c.repeat(width)}' in ${JSON.stringify(pattern)} is not supported (at most ${max} '${c}'${field === 'month' ? '; month names are not supported' : ''}).`);
      pieces.push({ field, width });
      i = j;
      continue;
    }
    pieces.push({ text: c });
    i++;
  }
  return pieces;
}

/**
 * Assigns each record to a bucket named by the processing time it is written at, formatted
 * with a DateTimeFormatter pattern (default `yyyy-MM-dd--HH`: a bucket per hour) in a time zone
 * (an IANA name such as 'UTC' or 'Europe/Berlin'; default the system's) — Flink's
 * `DateTimeBucketAssigner`, which is Flink's FileSink default (here the default is the sink's
 * directory itself: opt in with `.withBucketAssigner(new DateTimeBucketAssigner())`).
 *
 * @example new DateTimeBucketAssigner("'dt='yyyy-MM-dd/'hour='HH", 'UTC')
 */
export class DateTimeBucketAssigner<T = unknown> implements BucketAssignerObject<T> {
  private readonly pieces: Piece[];
  private readonly parts: Intl.DateTimeFormat;

  constructor(
    readonly formatString: string = DEFAULT_FORMAT,
    readonly zoneId?: string,
  ) {
    if (typeof formatString !== 'string') throw new TypeError('DateTimeBucketAssigner takes a format string, e.g. \'yyyy-MM-dd--HH\'.');
    this.pieces = compile(formatString);
    try {
      this.parts = new Intl.DateTimeFormat('en-US', {
        ...(zoneId === undefined ? {} : { timeZone: zoneId }),
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new TypeError(`DateTimeBucketAssigner: unknown time zone ${JSON.stringify(zoneId)} (use an IANA name such as 'UTC' or 'Europe/Berlin').`);
    }
  }

  getBucketId(_element: T, context: BucketAssignerContext): string {
    const time = context.currentProcessingTime();
    const values: Record<string, number> = { milli: ((time % 1000) + 1000) % 1000 };
    for (const p of this.parts.formatToParts(new Date(time))) {
      if (p.type !== 'literal') values[p.type] = Number(p.value);
    }
    return this.pieces
      .map((p) => {
        if ('text' in p) return p.text;
        const v = values[p.field] ?? 0;
        // Java: 'yy' is the year's last two digits; 'SSS' milliseconds, 'S' tenths (fraction of a second).
        if (p.field === 'year' && p.width === 2) return String(v % 100).padStart(2, '0');
        if (p.field === 'milli') return String(v).padStart(3, '0').padEnd(p.width, '0').slice(0, p.width);
        return String(v).padStart(p.width, '0');
      })
      .join('');
  }

  toString(): string {
    return `DateTimeBucketAssigner{formatString='${this.formatString}', zoneId=${this.zoneId ?? Intl.DateTimeFormat().resolvedOptions().timeZone}}`;
  }
}
