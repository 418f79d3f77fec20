/**
 * The Nexmark jobs in jobs/nexmark/, run by the real `flink run` on 100k generated events into
 * a FileSink, their output compared exactly with the reference computation over the same events
 * (order-free; updating queries by their last row per key). Then q0 killed after checkpoints
 * and restored at another parallelism: the generator replays exactly, nothing lost or repeated.
 * Needs `npm run build` (bin/flink runs dist/).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
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
import { NEXMARK_OUTPUTS, type RunnableQuery, asMultiset, checkOneRunPerSubtask, committedParts, resultTable } from './outputs.js';
import { NEXMARK_REFERENCES } from './reference/index.js';

cleanUpAfterAll();

const JOBS = join(REPO, 'jobs', 'nexmark');
const EVENTS = 100_000;

/** How a query is run here; how its output is read is its NEXMARK_OUTPUTS entry. */
interface JobCase {
  readonly query: RunnableQuery;
  readonly parallelism: number;
  /** Nexmark's event-time rate for the run (spreads 100k events over minutes or hours). */
  readonly eventRate?: number;
}

const CASES: readonly JobCase[] = [
  { query: 'q0', parallelism: 2 },
  { query: 'q1', parallelism: 1 },
  { query: 'q2', parallelism: 2 },
  { query: 'q3', parallelism: 2 },
  { query: 'q4', parallelism: 2 },
  // Windows over event time (Nexmark's 4 s of bounded out-of-orderness), 100 s of it.
  { query: 'q5', parallelism: 2, eventRate: 1000 },
  { query: 'q7', parallelism: 2, eventRate: 1000 },
  { query: 'q8', parallelism: 2, eventRate: 1000 },
  // Equal-price ties of the winning bid are decided by arrival, which parallelism 1 fixes.
  { query: 'q9', parallelism: 1 },
  { query: 'q10', parallelism: 2, eventRate: 100 },
  { query: 'q11', parallelism: 2, eventRate: 1000 },
  { query: 'q12', parallelism: 2 },
  { query: 'q13', parallelism: 2 },
  { query: 'q14', parallelism: 2, eventRate: 1 },
  { query: 'q15', parallelism: 2, eventRate: 1 },
  { query: 'q16', parallelism: 2, eventRate: 10 },
  { query: 'q17', parallelism: 2, eventRate: 1 },
  // Equal times (q18) and equal prices (q19) are decided by arrival, which parallelism 1 fixes.
  { query: 'q18', parallelism: 1 },
  { query: 'q19', parallelism: 1 },
  // At 1,000 events/s of event time no two bids share a millisecond, so q18's last bid per
  // (bidder, auction) is the latest whatever the arrival order: at parallelism 2 a bid older than
  // the one kept does arrive after it, and the job must ignore it (at parallelism 1 none does).
  { query: 'q18', parallelism: 2, eventRate: 1000 },
  { query: 'q20', parallelism: 2 },
  { query: 'q21', parallelism: 2 },
  { query: 'q22', parallelism: 2 },
];

describe('Nexmark jobs match their reference computations on 100k events', { concurrency: false }, () => {
  for (const c of CASES) {
    const output = NEXMARK_OUTPUTS[c.query];
    const how = `${output.upsertKey ? 'final table of the upsert stream' : output.finalRows ? 'what its rows add up to' : 'rows'}, -p ${c.parallelism}${c.eventRate ? `, ${c.eventRate} events/s of event time` : ''}`;
    test(`${c.query}: ${how}`, async () => {
      const out = join(tempDir(), 'out');
      const rateArgs = c.eventRate === undefined ? [] : ['--event-rate', String(c.eventRate)];
      const r = await runFlink(['run', '-p', String(c.parallelism), join(JOBS, `${c.query}.ts`), '--events', String(EVENTS), ...rateArgs, '--out', out], {
        timeoutMs: 60_000,
      });
      assert.equal(r.code, 0, `exit ${r.code}:\n${r.stdout}\n${r.stderr}`);
      assert.deepEqual(hiddenFiles(out), [], 'every part is committed at the end');

      const parts = committedParts(out);
      if (output.upsertKey) checkOneRunPerSubtask(parts);
      const rows = resultTable(output, parts.flatMap((p) => (output.readRows ? output.readRows(p) : p.rows)));
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
      // Without --rps: the rate limit is no state, and nothing interrupts this run.
      const r = await runFlink(['run', '-s', crashed, '-p', '3', ...interval, q0, '--events', String(events), '--out', out], { home, timeoutMs: 60_000 });
      assert.equal(r.code, 0, `exit ${r.code}:\n${r.stdout}\n${r.stderr}`);
    }
    assert.deepEqual(hiddenFiles(out), []);
    const got = committedParts(out).flatMap((p) => p.rows);
    const want = NEXMARK_REFERENCES.q0(new NexmarkGenerator().events(0, events));
    assert.equal(got.length, want.length, 'as many rows as bids');
    assert.deepEqual(asMultiset(got), asMultiset(want));
  });
});
