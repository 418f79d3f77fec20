/**
 * Every bounded option, both ends, from a table written out here rather than read from the
 * options: deleting or loosening a bound in options.ts makes a row fail, and a new number or
 * duration option must be added to the table (the last test), so none goes untested.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ALL_OPTIONS, Configuration } from '../../src/config/index.js';
import { ConfigError } from '../../src/util/errors.js';

/** 2^31−1 ms: the longest timer Node.js sets (beyond it a timer fires after 1 ms). */
const TIMER_MAX = 2_147_483_647;
const INT_MAX = 2_147_483_647;

/** `number>`: a number whose minimum itself is refused (Flink's "must be greater than"). */
type Kind = 'duration' | 'int' | 'number' | 'number>';
/** key, kind, min, max (both included but a `number>`'s min; a duration's in ms). */
const BOUNDS: ReadonlyArray<readonly [string, Kind, number, number]> = [
  ['execution.checkpointing.interval', 'duration', 1, TIMER_MAX],
  ['execution.checkpointing.timeout', 'duration', 1, TIMER_MAX],
  ['execution.checkpointing.min-pause', 'duration', 0, TIMER_MAX],
  ['execution.checkpointing.max-concurrent-checkpoints', 'int', 1, INT_MAX],
  ['execution.checkpointing.tolerable-failed-checkpoints', 'int', 0, INT_MAX],
  ['execution.checkpointing.num-retained', 'int', 1, INT_MAX],
  ['restart-strategy.fixed-delay.attempts', 'int', 0, INT_MAX],
  ['restart-strategy.fixed-delay.delay', 'duration', 0, TIMER_MAX],
  ['restart-strategy.exponential-delay.initial-backoff', 'duration', 1, TIMER_MAX],
  ['restart-strategy.exponential-delay.max-backoff', 'duration', 1, TIMER_MAX],
  ['restart-strategy.exponential-delay.backoff-multiplier', 'number>', 1, Number.MAX_VALUE],
  ['restart-strategy.exponential-delay.reset-backoff-threshold', 'duration', 1, TIMER_MAX],
  ['restart-strategy.exponential-delay.jitter-factor', 'number', 0, 1],
  ['restart-strategy.exponential-delay.attempts-before-reset-backoff', 'int', 1, INT_MAX],
  ['restart-strategy.failure-rate.max-failures-per-interval', 'int', 1, INT_MAX],
  ['restart-strategy.failure-rate.failure-rate-interval', 'duration', 1, TIMER_MAX],
  ['restart-strategy.failure-rate.delay', 'duration', 0, TIMER_MAX],
  ['parallelism.default', 'int', 1, 32768],
  ['pipeline.max-parallelism', 'int', 1, 32768],
  ['taskmanager.numberOfTaskSlots', 'int', 1, 256],
  ['pipeline.auto-watermark-interval', 'duration', 0, TIMER_MAX],
  ['heartbeat.interval', 'duration', 10, TIMER_MAX],
  ['heartbeat.timeout', 'duration', 100, TIMER_MAX],
];

/** How a value is written in -D for its kind. */
function written(kind: Kind, v: number): string {
  return kind === 'duration' ? `${v} ms` : String(v);
}

/** The value just outside a bound, or undefined where nothing lies beyond it. */
function below(kind: Kind, min: number): number | undefined {
  if (kind === 'number') return min - 0.001;
  if (kind === 'number>') return min;
  return min - 1;
}
function above(kind: Kind, max: number): number | undefined {
  if (kind === 'number' || kind === 'number>') return max === Number.MAX_VALUE ? undefined : max + 0.001;
  return max + 1;
}

function parse(key: string, raw: string): unknown {
  const option = ALL_OPTIONS.find((o) => o.key === key)!;
  return new Configuration('/nonexistent-home').with(key, raw, '-D').get(option);
}

function refuses(key: string, raw: string, limit: RegExp): void {
  assert.throws(
    () => parse(key, raw),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.ok(!err.message.includes('\n'), 'one line');
      assert.ok(err.message.includes(key), `names the key: ${err.message}`);
      assert.match(err.message, limit, 'names the limit');
      return true;
    },
  );
}

describe('bounded options: each end accepted, one past it refused with the key and the limit', () => {
  for (const [key, kind, min, max] of BOUNDS) {
    it(`${key}: ${written(kind, min)} .. ${written(kind, max)}`, () => {
      const lowest = kind === 'number>' ? min + 0.001 : min;
      assert.equal(parse(key, written(kind, lowest)), lowest);
      assert.equal(parse(key, written(kind, max)), max);
      const low = below(kind, min);
      // Durations below 0 are not durations at all: refused, but with the syntax hint.
      if (low !== undefined && !(kind === 'duration' && low < 0)) refuses(key, written(kind, low), new RegExp(`\\b${min}\\b`));
      else if (low !== undefined) refuses(key, written(kind, low), /duration/);
      const high = above(kind, max);
      if (high !== undefined) refuses(key, written(kind, high), new RegExp(`\\b${max}\\b`));
    });
  }

  it('a duration beyond the timer limit is refused in every unit (30 d, 25 d, 597 h, 1e12)', () => {
    for (const raw of ['30 d', '25 d', '597 h', '1000000000000']) refuses('execution.checkpointing.interval', raw, /2147483647 ms/);
    assert.equal(parse('execution.checkpointing.interval', '24 d'), 24 * 86_400_000);
  });

  it('the table covers every option with bounds, and only those', () => {
    const bounded = ALL_OPTIONS.filter((o) => o.bounds !== undefined).map((o) => o.key).sort();
    assert.deepEqual(bounded, BOUNDS.map(([key]) => key).sort());
    for (const [key, kind, min, max] of BOUNDS) {
      assert.deepEqual(ALL_OPTIONS.find((o) => o.key === key)!.bounds, kind === 'number>' ? { min, max, minExclusive: true } : { min, max }, key);
    }
  });
});
