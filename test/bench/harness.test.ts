import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type BenchContext, Checks, alternate, figure, median } from '../../bench/harness/index.js';
import { formatRatio } from '../../bench/harness/render.js';

function context(substitutes: ReadonlyMap<string, () => unknown> = new Map()): BenchContext {
  return { check: new Checks('test'), log: () => {}, substitutes };
}

test('median of odd and even counts', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

test('a ratio is taken round by round, so a round slow for both cancels out', () => {
  // Round 2 ran on a busy machine and both halved: the engine's own figures spread 5–10, its
  // ratio to the loop does not.
  const loop = { label: 'loop', values: [20, 10, 20] };
  const f = figure('engine', 'events/s', [10, 5, 10], loop);
  assert.deepEqual([f.median, f.min, f.max], [10, 5, 10]);
  assert.deepEqual(f.ratios, [{ vs: 'loop', median: 0.5, min: 0.5, max: 0.5 }]);
});

test('for durations and sizes the ratio is how many times smaller, so above 1 is better', () => {
  const f = figure('delta', 'bytes', [100, 200], { label: 'full', values: [5000, 5000] });
  assert.deepEqual(f.ratios[0], { vs: 'full', median: 37.5, min: 25, max: 50 });
  assert.equal(formatRatio('bytes', f.ratios[0]!), '38× smaller than full (25–50×)');
  assert.equal(formatRatio('ms', { vs: 'bare write', median: 0.5, min: 0.25, max: 1 }), '2.00× longer than bare write (1.00–4.00×)');
  assert.equal(formatRatio('events/s', { vs: 'loop', median: 0.31, min: 0.31, max: 0.31 }), '0.31× loop');
});

test('a figure refuses a baseline from a different number of rounds', () => {
  assert.throws(() => figure('x', 'ms', [1, 2], { label: 'y', values: [1] }), /2 rounds but 1 of y/);
});

test('alternate: warm-ups unrecorded but verified, order rotated, every run verified', async () => {
  const order: string[] = [];
  const verified: string[] = [];
  const subject = (label: string) => ({
    label,
    run: () => {
      order.push(label);
      return label;
    },
    verify: (facts: string) => void verified.push(facts),
  });
  const runs = await alternate(context(), { rounds: 2, warmups: 1 }, { a: subject('a'), b: subject('b') });
  assert.deepEqual(order, ['a', 'b', 'b', 'a', 'a', 'b']);
  assert.equal(verified.length, 6);
  assert.equal(runs.a.length, 2);
  assert.equal(runs.b.length, 2);
});

test('alternate: fixed order keeps subjects in sequence; a substitute replaces a run, not its check', async () => {
  const order: string[] = [];
  const ctx = context(new Map([['b', () => 'wrong']]));
  const subject = (label: string) => ({
    label,
    prepare: () => void order.push(`prepare ${label}`),
    run: () => label,
    verify: (facts: string) => ctx.check.equal(facts, label, `what ${label} returned`),
  });
  await assert.rejects(alternate(ctx, { rounds: 1, warmups: 0 }, { a: subject('a'), b: subject('b') }, 'fixed'), /what b returned is b: it is wrong/);
  assert.deepEqual(order, ['prepare a', 'prepare b']);
});

test('checks remember the claims that held, once each', () => {
  const check = new Checks('t');
  check.equal(3, 3, 'x');
  check.equal(3, 3, 'x');
  check.atLeast(12.5, 10, 'ratio');
  assert.deepEqual(check.passed(), ['x is 3', 'ratio is at least 10']);
  assert.throws(() => check.atLeast(9.25, 10, 'ratio'), /bench t: ratio is at least 10: it is 9.25/);
});

test('a grid shows figures by row and column: a median with its spread, a ratio, a given text, – where a figure is missing', async () => {
  const { renderMarkdown, renderText } = await import('../../bench/harness/render.js');
  const flink = { label: 'Flink', values: [100_000, 100_000] };
  const result = {
    name: 'grid',
    description: 'd',
    title: 't',
    size: 'full' as const,
    params: { rounds: 2, warmups: 0 },
    figures: [figure('q0 fast', 'events/s', [1_500_000, 1_700_000], flink), figure('q1 fast', 'events/s', [50_000, 50_000], flink), figure('q0 slow', 'events/s', [20_000, 30_000])],
    grid: {
      corner: 'query',
      rows: ['q0', 'q1', 'q2'],
      columns: [
        { header: 'fast', figure: 'fast' },
        { header: 'slow', figure: 'slow' },
        { header: 'Flink', text: { q0: '100k', q1: '100k' } },
        { header: 'fast ÷ Flink', figure: 'fast', ratio: 'Flink' },
      ],
    },
    notes: [],
    checks: ['x'],
    measured: { date: '2026-01-01T00:00:00Z', commit: 'abcdef1234', cores: 2, cpu: 'cpu', node: 'v20', os: 'linux x64', memoryGiB: 8, load: 0 },
    provisional: false,
  };
  const table = renderMarkdown(result).split('\n').filter((l) => l.startsWith('|'));
  assert.deepEqual(table, [
    '| query | fast | slow | Flink | fast ÷ Flink |',
    '| --- | --- | --- | --- | --- |',
    '| q0 | 1.60 M events/s (1.50–1.70) | 25.0 k events/s (20.0–30.0) | 100k | 16× |',
    '| q1 | 50.0 k events/s | – | 100k | 0.50× |',
  ]);
  assert.match(renderText(result), /\n  q1 +50\.0 k events\/s +– +100k +0\.50×\n/);
});

test('words after a bench name that name no bench go to that bench', async () => {
  const { groupBenchWords } = await import('../../bench/harness/index.js');
  const known = ['keyed-count', 'nexmark'];
  assert.deepEqual([...groupBenchWords(['nexmark', 'q5', 'q7', 'keyed-count'], known)], [['nexmark', ['q5', 'q7']], ['keyed-count', []]]);
  assert.deepEqual([...groupBenchWords([], known)], []);
  assert.throws(() => groupBenchWords(['q5', 'nexmark'], known), /no bench named q5; the benches are: keyed-count nexmark/);
});
