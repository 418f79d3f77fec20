/**
 * The Nexmark jobs in jobs/nexmark/, run by the real `flink run` on 100k generated events into
 * a FileSink, their output compared exactly with the reference computation over the same events
 * (order-free; updating queries by their last row per key). Then q0 killed after checkpoints
 * and restored at another parallelism: the generator replays exactly, nothing lost or repeated.
 * Needs `npm run build` (bin/flink runs dist/).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { NexmarkGenerator } from '../../src/connectors/nexmark/index.js';
import {
  REPO,
  cleanUpAfterAll,
  freshHome,
  hiddenFiles,
  killHard,
  listedJob,
  runDetached,
  runFlink,
  tempDir,
  waitForCheckpoint,
} from '../e2e/helpers.js';
import { NEXMARK_REFERENCES, type NexmarkQueryName } from './reference/index.js';

cleanUpAfterAll();

const JOBS = join(REPO, 'jobs', 'nexmark');
const EVENTS = 100_000;

/** One committed part file: its bucket directory (relative, '' for none) and its JSON rows. */
interface Part {
  readonly bucket: string;
  readonly rows: Record<string, unknown>[];
}

/**
 * The committed (visible) part files under `dir`, each subtask's in the order it wrote them
 * (`part-<run>-<subtask>-<n>`, by n), so updates to one key read in their order.
 */
function committedParts(dir: string): Part[] {
  const files: { rel: string; bucket: string; order: [string, number, number] }[] = [];
  const walk = (abs: string) => {
    for (const e of readdirSync(abs, { withFileTypes: true })) {
      const p = join(abs, e.name);
      if (e.isDirectory()) walk(p);
      else if (!e.name.startsWith('.')) {
        const m = /^part-([0-9a-f]+)-(\d+)-(\d+)$/.exec(e.name);
        assert.ok(m, `unexpected file ${p}`);
        files.push({ rel: relative(dir, p), bucket: relative(dir, abs), order: [m[1]!, Number(m[2]), Number(m[3])] });
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  files.sort((a, b) => (a.bucket < b.bucket ? -1 : a.bucket > b.bucket ? 1 : 0) || (a.order[0] < b.order[0] ? -1 : a.order[0] > b.order[0] ? 1 : 0) || a.order[1] - b.order[1] || a.order[2] - b.order[2]);
  return files.map((f) => ({
    bucket: f.bucket,
    rows: readFileSync(join(dir, f.rel), 'utf8')
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as Record<string, unknown>),
  }));
}

/** An upsert stream's final table: the last row per key. */
function lastPerKey(rows: readonly Record<string, unknown>[], key: (r: Record<string, unknown>) => string): Record<string, unknown>[] {
  const table = new Map<string, Record<string, unknown>>();
  for (const r of rows) table.set(key(r), r);
  return [...table.values()];
}

const asMultiset = (rows: readonly object[]) => rows.map((r) => JSON.stringify(r)).sort();

/** How a query's output is read: appended rows, or an upsert stream on a key. */
interface JobCase {
  readonly query: NexmarkQueryName;
  readonly parallelism: number;
  /** An updating query: its output is an upsert stream on this key. */
  readonly upsertKey?: (r: Record<string, unknown>) => string;
  /** Nexmark's event-time rate for the run (spreads 100k events over minutes or hours). */
  readonly eventRate?: number;
  /** Turns a committed part's rows into the reference's rows (e.g. adds partition columns). */
  readonly readRows?: (part: Part) => Record<string, unknown>[];
  /** Turns all rows into what the reference computes (e.g. totals over windows of the wall clock). */
  readonly finalRows?: (rows: Record<string, unknown>[]) => Record<string, unknown>[];
}

/** q12's checkable part: per bidder, the bids of all its processing-time windows. */
function totalsPerBidder(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  const totals = new Map<number, number>();
  for (const r of rows) totals.set(r.bidder as number, (totals.get(r.bidder as number) ?? 0) + (r.bid_count as number));
  return [...totals].map(([bidder, bid_count]) => ({ bidder, bid_count }));
}

const CASES: readonly JobCase[] = [
  { query: 'q0', parallelism: 2 },
  { query: 'q1', parallelism: 1 },
  { query: 'q2', parallelism: 2 },
  { query: 'q3', parallelism: 2 },
  // Equal-price ties of the winning bid are decided by arrival, which parallelism 1 fixes.
  { query: 'q4', parallelism: 2, upsertKey: (r) => String(r.id) },
  // Windows over event time (Nexmark's 4 s of bounded out-of-orderness), 100 s of it.
  { query: 'q5', parallelism: 2, eventRate: 1000 },
  { query: 'q7', parallelism: 2, eventRate: 1000 },
  { query: 'q8', parallelism: 2, eventRate: 1000 },
  { query: 'q9', parallelism: 1, upsertKey: (r) => String(r.id) },
  {
    query: 'q10',
    parallelism: 2,
    eventRate: 100,
    readRows: (part) => {
      const m = /^dt=(\d{4}-\d{2}-\d{2})[/\\]hm=(\d{2}:\d{2})$/.exec(part.bucket);
      assert.ok(m, `not a dt=…/hm=… partition: ${part.bucket}`);
      return part.rows.map((r) => ({ ...r, dt: m[1], hm: m[2] }));
    },
  },
  { query: 'q11', parallelism: 2, eventRate: 1000 },
  { query: 'q12', parallelism: 2, finalRows: totalsPerBidder },
  { query: 'q13', parallelism: 2 },
  { query: 'q14', parallelism: 2, eventRate: 1 },
  { query: 'q15', parallelism: 2, eventRate: 1, upsertKey: (r) => String(r.day) },
  { query: 'q16', parallelism: 2, eventRate: 10, upsertKey: (r) => `${r.channel} ${r.day}` },
  { query: 'q17', parallelism: 2, eventRate: 1, upsertKey: (r) => `${r.auction} ${r.day}` },
  // Equal times (q18) and equal prices (q19) are decided by arrival, which parallelism 1 fixes.
  { query: 'q18', parallelism: 1, upsertKey: (r) => `${r.bidder} ${r.auction}` },
  { query: 'q19', parallelism: 1, upsertKey: (r) => `${r.auction} ${r.rank_number}` },
  { query: 'q20', parallelism: 2 },
  { query: 'q21', parallelism: 2 },
  { query: 'q22', parallelism: 2 },
];

describe('Nexmark jobs match their reference computations on 100k events', { concurrency: false }, () => {
  for (const c of CASES) {
    const how = `${c.upsertKey ? 'final table of the upsert stream' : c.finalRows ? 'what its rows add up to' : 'rows'}, -p ${c.parallelism}${c.eventRate ? `, ${c.eventRate} events/s of event time` : ''}`;
    test(`${c.query}: ${how}`, async () => {
      const out = join(tempDir(), 'out');
      const rateArgs = c.eventRate === undefined ? [] : ['--event-rate', String(c.eventRate)];
      const r = await runFlink(['run', '-p', String(c.parallelism), join(JOBS, `${c.query}.ts`), '--events', String(EVENTS), ...rateArgs, '--out', out], {
        timeoutMs: 60_000,
      });
      assert.equal(r.code, 0, `exit ${r.code}:\n${r.stdout}\n${r.stderr}`);
      assert.deepEqual(hiddenFiles(out), [], 'every part is committed at the end');

      const parts = committedParts(out);
      let rows = parts.flatMap((p) => (c.readRows ? c.readRows(p) : p.rows));
      if (c.upsertKey) rows = lastPerKey(rows, c.upsertKey);
      if (c.finalRows) rows = c.finalRows(rows);
      const events = new NexmarkGenerator(c.eventRate === undefined ? {} : { firstEventRate: c.eventRate }).events(0, EVENTS);
      const expected = NEXMARK_REFERENCES[c.query](events);
      assert.ok(expected.length > 0, 'the reference finds rows');
      const [got, want] = [asMultiset(rows), asMultiset(expected)];
      if (got.length !== want.length) assert.fail(`${got.length} rows, expected ${want.length}`);
      assert.deepEqual(got, want);
    });
  }
});

describe('NexmarkSource under failure', () => {
  test('q0 killed after checkpoints and restored at another parallelism commits every bid exactly once', async () => {
    const q0 = join(JOBS, 'q0.ts');
    const events = 60_000;
    const home = freshHome();
    const out = join(tempDir(), 'out');
    const interval = ['-D', 'execution.checkpointing.interval=100ms'];
    let crashed: string | undefined;
    for (let rps = 20_000; crashed === undefined; rps /= 2) {
      assert.ok(rps >= 5_000, 'q0 always finished before it could be killed');
      const args = ['--events', String(events), '--rps', String(rps), '--out', out];
      const { jobId, pid } = await runDetached(home, q0, args, ['-p', '2', ...interval]);
      try {
        await waitForCheckpoint(home, jobId, 2, 15_000);
        await killHard(pid);
        if ((await listedJob(home, jobId)).status !== 'FINISHED') crashed = jobId;
      } catch (err) {
        if ((await listedJob(home, jobId)).status !== 'FINISHED') throw err;
      }
      if (crashed === undefined) continue;
      const committedBefore = committedParts(out).flatMap((p) => p.rows).length;
      assert.ok(committedBefore > 0 && committedBefore < (events * 46) / 50, `some but not all bids were committed before the kill (${committedBefore})`);
      const r = await runFlink(['run', '-s', crashed, '-p', '3', ...interval, q0, ...args], { home, timeoutMs: 60_000 });
      assert.equal(r.code, 0, `exit ${r.code}:\n${r.stdout}\n${r.stderr}`);
    }
    assert.deepEqual(hiddenFiles(out), []);
    const got = committedParts(out).flatMap((p) => p.rows);
    const want = NEXMARK_REFERENCES.q0(new NexmarkGenerator().events(0, events));
    assert.equal(got.length, want.length, 'as many rows as bids');
    assert.deepEqual(asMultiset(got), asMultiset(want));
  });
});
