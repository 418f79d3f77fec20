/**
 * Nexmark: each query's job file (jobs/nexmark/q<N>.ts) run as `flink run` runs it, at
 * parallelism 1 (one core), with EXACTLY_ONCE checkpoints every 10 s, on the `hashmap` backend
 * (full checkpoints) and on `lmdb` with incremental checkpoints, rows discarded (Nexmark's
 * blackhole; q10 writes its files, that is the query); against the query's reference
 * computation (test/nexmark/reference/, generating the same events and computing the same rows
 * in one plain pass: the single-thread ceiling) in the same rounds, and beside Nexmark's
 * published Flink 1.13 figures per core.
 *
 * Checked: the first run of each engine subject (the warm-up) keeps what the job's sink
 * receives and its rows — the final table of an upsert stream, q12's per-bidder totals, q10's
 * committed files — equal the reference's exactly (compared by an order-free digest of their
 * JSON); every later run sends as many rows as that one (append-only queries) or at least the
 * final table's (updating ones), and completed a checkpoint; the reference gives the same rows
 * every run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NexmarkGenerator } from '../src/connectors/nexmark/index.js';
import { NEXMARK_OUTPUTS, type NexmarkOutput, RUNNABLE_QUERIES, type Row, type RunnableQuery, committedParts, resultTable } from '../test/nexmark/outputs.js';
import { NEXMARK_REFERENCES } from '../test/nexmark/reference/index.js';
import { type BenchContext, type BenchParams, type Figure, type Run, type Subject, alternate, defineBench, figure, perSecond, shortCount } from './harness/index.js';
import { loadJobPipeline, replaceSinkFunction, retainedCheckpoints, runUnderJobMaster } from './nexmark/job-runner.js';
import { RowDigest } from './nexmark/row-digest.js';

interface Params extends BenchParams {
  /** `all`, or query names joined by commas (`q5,q7`). */
  readonly queries: string;
  /** Events per query; 0: each query's own default (see DEFAULT_EVENTS). */
  readonly events: number;
  readonly checkpointMs: number;
}

const JOBS = fileURLToPath(new URL('../jobs/nexmark/', import.meta.url));

/**
 * Nexmark's published Flink 1.13 figures, events/s per core (8 cores, exactly-once
 * checkpoints, RocksDB incremental, 100M events): the issue's table.
 */
const FLINK_PER_CORE: Readonly<Record<RunnableQuery, number>> = {
  q0: 155e3, q1: 158e3, q2: 175e3, q3: 152e3, q4: 34e3, q5: 22e3, q7: 12e3, q8: 146e3, q9: 14e3, q10: 58e3, q11: 40e3,
  q12: 76e3, q13: 131e3, q14: 161e3, q15: 72e3, q16: 19e3, q17: 117e3, q18: 54e3, q19: 44e3, q20: 19e3, q21: 98e3, q22: 130e3,
};
const FLINK = 'Flink 1.13 per core';

/**
 * Events per query at the full size: up to a second or so of the engine's work per run on one
 * core of a quiet machine, so 22 queries × (2 backends + the reference) × 4 runs take a few
 * minutes. Shorter than one checkpoint interval: such a run takes the final checkpoint only (of
 * its whole state, which every run pays); `--set events=10000000` spans several.
 */
const DEFAULT_EVENTS: Readonly<Record<RunnableQuery, number>> = {
  q0: 1_000_000, q1: 1_000_000, q2: 1_000_000, q3: 300_000, q4: 200_000, q5: 100_000, q7: 200_000, q8: 300_000, q9: 100_000,
  q10: 100_000, q11: 100_000, q12: 300_000, q13: 500_000, q14: 300_000, q15: 300_000, q16: 100_000, q17: 300_000,
  q18: 200_000, q19: 100_000, q20: 200_000, q21: 300_000, q22: 300_000,
};

type Backend = 'hashmap' | 'lmdb';
const BACKENDS: readonly Backend[] = ['hashmap', 'lmdb'];

/** What one engine run produced, for its check (made after the clock stopped). */
export interface EngineFacts {
  /** Rows the job's sink received (q10: rows in its committed files). */
  readonly rows: number;
  /** The digest of the job's result table: the first run of a subject only. */
  readonly digest: string | undefined;
  /** Ids of the completed checkpoints the run left (the last is kept). */
  readonly checkpoints: readonly number[];
  /** What the run's rows add up to by the query's `tally` (every run), if it has one. */
  readonly tally?: number;
}

/** An engine run as it ended: read after the clock stopped (a test may substitute its facts). */
interface EngineRun {
  readonly sink: RowSink;
  readonly workDir: string;
  readonly checkpointsDir: string;
}

/** What the reference computed. */
export interface ReferenceFacts {
  readonly rows: number;
  readonly digest: string;
  /** What its rows add up to by the query's `tally`, if it has one. */
  readonly tally: number | undefined;
}

/** What `rows` add up to by `output.tally`; undefined without one. */
function tallyOf(output: NexmarkOutput, rows: Iterable<Row>): number | undefined {
  if (!output.tally) return undefined;
  let sum = 0;
  for (const r of rows) sum += output.tally(r);
  return sum;
}

function selectedQueries(p: Params): RunnableQuery[] {
  if (p.queries === 'all') return [...RUNNABLE_QUERIES];
  const names = p.queries.split(',').map((q) => q.trim());
  const unknown = names.filter((q) => !(RUNNABLE_QUERIES as string[]).includes(q));
  if (unknown.length > 0) throw new Error(`no runnable Nexmark query ${unknown.join(', ')}; they are ${RUNNABLE_QUERIES.join(' ')} (q6 is not supported)`);
  return RUNNABLE_QUERIES.filter((q) => names.includes(q));
}

/**
 * Where one run's rows go. Counting only, the sink costs what a blackhole does; keeping, it
 * folds rows into the digest (or, for an updating query, the last row per key) as they come.
 */
class RowSink {
  count = 0;
  /** The rows' sum by the query's `tally` (every run). */
  tally = 0;
  private readonly digest = new RowDigest();
  private readonly kept: Row[] = [];
  private readonly table = new Map<string, Row>();

  constructor(
    private readonly output: NexmarkOutput,
    readonly keep: boolean,
  ) {}

  readonly fn = (row: unknown): void => {
    this.count++;
    const r = row as Row;
    if (this.output.tally) this.tally += this.output.tally(r);
    if (!this.keep) return;
    if (this.output.upsertKey) this.table.set(this.output.upsertKey(r), r);
    else if (this.output.finalRows) this.kept.push(r);
    else this.digest.add(r);
  };

  /** The digest of the result table. */
  resultDigest(): string {
    if (this.output.upsertKey) return new RowDigest().addAll(resultTable(this.output, [...this.table.values()])).toString();
    if (this.output.finalRows) return new RowDigest().addAll(resultTable(this.output, this.kept)).toString();
    return this.digest.toString();
  }
}

/** The subjects of one query: the reference and the job on each backend. */
function querySubjects(q: RunnableQuery, events: number, p: Params, ctx: BenchContext) {
  const output = NEXMARK_OUTPUTS[q];
  const reference = NEXMARK_REFERENCES[q];
  let expected: ReferenceFacts | undefined;
  const referenceRun = (): ReferenceFacts => {
    const rows = reference(new NexmarkGenerator().events(0, events));
    return { rows: rows.length, digest: new RowDigest().addAll(rows).toString(), tally: tallyOf(output, rows as unknown as Row[]) };
  };
  const want = () => (expected ??= referenceRun());

  const engine = (backend: Backend): Subject<EngineRun | EngineFacts> & { lastCheckpoints: number[] } => {
    const label = `${q} ${backend}`;
    const lastCheckpoints: number[] = [];
    let runs = 0;
    let firstRows: number | undefined;
    let workDir = '';
    let sink: RowSink | undefined;
    let pipeline: Awaited<ReturnType<typeof loadJobPipeline>> | undefined;
    return {
      label,
      lastCheckpoints,
      prepare: async () => {
        workDir = mkdtempSync(join(tmpdir(), `flink-ts-bench-nexmark-${q}-`));
        sink = new RowSink(output, runs++ === 0);
        const args = ['--events', String(events), ...(output.readRows ? ['--out', join(workDir, 'out')] : [])];
        const loaded = await loadJobPipeline(join(JOBS, `${q}.ts`), args);
        pipeline = output.readRows ? loaded : replaceSinkFunction(loaded, 'sink', sink.fn);
        if (pipeline === undefined) throw new Error(`jobs/nexmark/${q}.ts has no sink function with uid 'sink' to count its rows`);
      },
      run: async (): Promise<EngineRun> => {
        const outcome = await runUnderJobMaster(pipeline!, {
          backend,
          incremental: backend === 'lmdb',
          checkpointIntervalMs: p.checkpointMs,
          parallelism: 1,
          workDir,
        });
        return { sink: sink!, workDir, checkpointsDir: outcome.checkpointsDir };
      },
      verify: (run) => {
        try {
          const facts = 'sink' in run ? engineFacts(run, output) : run;
          verifyEngine(ctx, label, output, facts, want(), firstRows);
          firstRows ??= facts.rows;
          lastCheckpoints.push(Math.max(...facts.checkpoints));
        } finally {
          if ('workDir' in run) rmSync(run.workDir, { recursive: true, force: true });
        }
      },
    };
  };

  return {
    reference: {
      label: `${q} reference`,
      run: referenceRun,
      verify: (f: ReferenceFacts) => {
        ctx.check.atLeast(f.rows, 1, `rows of the ${q} reference`);
        if (expected === undefined) expected = f;
        else ctx.check.equal(f.digest, expected.digest, `digest of the ${q} reference's rows, every run`);
      },
    },
    hashmap: engine('hashmap'),
    lmdb: engine('lmdb'),
  };
}

/** Reads what an engine run left: its sink's rows (or q10's files), its checkpoints. */
function engineFacts(run: EngineRun, output: NexmarkOutput): EngineFacts {
  const checkpoints = retainedCheckpoints(run.checkpointsDir);
  if (!output.readRows) {
    return { rows: run.sink.count, digest: run.sink.keep ? run.sink.resultDigest() : undefined, checkpoints, ...(output.tally ? { tally: run.sink.tally } : {}) };
  }
  const rows = committedParts(join(run.workDir, 'out')).flatMap((part) => output.readRows!(part));
  const tally = tallyOf(output, rows);
  return { rows: rows.length, digest: run.sink.keep ? new RowDigest().addAll(resultTable(output, rows)).toString() : undefined, checkpoints, ...(tally === undefined ? {} : { tally }) };
}

function verifyEngine(ctx: BenchContext, label: string, output: NexmarkOutput, f: EngineFacts, want: ReferenceFacts, firstRows: number | undefined): void {
  const { check } = ctx;
  check.atLeast(f.checkpoints.length, 1, `checkpoints completed by a ${label} run`);
  if (f.digest !== undefined) check.equal(f.digest, want.digest, `count:digest of ${label}'s rows (the reference's)`);
  // The digest is of the first run's rows only (keeping rows slows the timed runs); every run's
  // count is checked, and what its rows add up to where the query has a tally.
  if (want.tally !== undefined) check.equal(f.tally ?? 'none', want.tally, `what every ${label} run's rows add up to (the reference's)`);
  const appendOnly = !output.upsertKey && !output.finalRows;
  if (appendOnly) check.equal(f.rows, want.rows, `rows sent by every ${label} run`);
  else if (output.upsertKey) {
    // At parallelism 1 an upsert stream's updates are as many in every run, whatever the timing.
    if (firstRows === undefined) check.atLeast(f.rows, want.rows, `rows sent by a ${label} run (updates of a final table of ${want.rows.toLocaleString('en-US')})`);
    else check.equal(f.rows, firstRows, `rows sent by every ${label} run (as by its first)`);
  }
}

export default defineBench<Params>({
  name: 'nexmark',
  description:
    "each Nexmark query's job file run as `flink run` runs it, at parallelism 1 with EXACTLY_ONCE checkpoints, on hashmap (full checkpoints) and on lmdb (incremental), rows discarded; against the query's reference computation (generating the events and computing the rows in one plain pass: the single-thread ceiling) in the same rounds, and beside Nexmark's published Flink 1.13 figures per core (8 cores, RocksDB incremental, 100M events). Each job's rows are checked equal to the reference's.",
  selects: 'queries',
  sizes: {
    full: { queries: 'all', events: 0, checkpointMs: 10_000, rounds: 3, warmups: 1 },
    smoke: { queries: 'q0,q4,q10,q12', events: 5_000, checkpointMs: 10_000, rounds: 1, warmups: 1 },
  },
  async run(p, ctx) {
    const queries = selectedQueries(p);
    const figures: Figure[] = [];
    const eventsOf = (q: RunnableQuery) => (p.events > 0 ? p.events : DEFAULT_EVENTS[q]);
    const checkpointsPerRun: string[] = [];
    for (const q of queries) {
      const events = eventsOf(q);
      ctx.log(`${q}: ${events.toLocaleString('en-US')} events`);
      const subjects = querySubjects(q, events, p, ctx);
      const runs = await alternate(ctx, p, subjects);
      const rate = (r: readonly Run<unknown>[]) => perSecond(events, r.map((x) => x.ms));
      const reference = { label: 'reference', values: rate(runs.reference) };
      const flink = { label: FLINK, values: reference.values.map(() => FLINK_PER_CORE[q]) };
      figures.push(figure(`${q} hashmap`, 'events/s', rate(runs.hashmap), flink, reference));
      figures.push(figure(`${q} lmdb`, 'events/s', rate(runs.lmdb), flink, reference));
      figures.push(figure(`${q} reference`, 'events/s', reference.values));
      const most = Math.max(...subjects.hashmap.lastCheckpoints, ...subjects.lmdb.lastCheckpoints);
      checkpointsPerRun.push(`${q} ${most}`);
    }
    const sameEvents = p.events > 0 || queries.every((q) => eventsOf(q) === eventsOf(queries[0]!));
    const eventsNote = sameEvents
      ? `${shortCount(eventsOf(queries[0]!))} events per query`
      : `events per query: ${queries.map((q) => `${q} ${shortCount(eventsOf(q))}`).join(', ')}`;
    return {
      title: `Nexmark ${queries.length === RUNNABLE_QUERIES.length ? 'q0–q22 (all but q6)' : queries.join(' ')} at parallelism 1, EXACTLY_ONCE checkpoints every ${p.checkpointMs / 1000} s, ${sameEvents ? eventsNote : 'events per query below'}`,
      figures,
      grid: {
        corner: 'query',
        rows: queries,
        columns: [
          { header: 'hashmap', figure: 'hashmap' },
          { header: 'lmdb, incremental', figure: 'lmdb' },
          { header: 'reference (1 thread)', figure: 'reference' },
          { header: FLINK, text: Object.fromEntries(queries.map((q) => [q, `${FLINK_PER_CORE[q] / 1000}k events/s`])) },
          { header: 'hashmap ÷ Flink', figure: 'hashmap', ratio: FLINK },
          { header: 'lmdb ÷ Flink', figure: 'lmdb', ratio: FLINK },
        ],
      },
      notes: [
        ...(sameEvents ? [] : [eventsNote]),
        `Checkpoints per run, the final one included (most of any run): ${checkpointsPerRun.join(', ')}.`,
        "Event time advances 10,000 events/s (the generator's default), so 1M events span 100 s of it.",
        p.warmups > 0
          ? 'The first run of each job (the warm-up, not timed) keeps its rows to check them against the reference.'
          : 'The first run of each job keeps its rows to check them against the reference, and is timed with that work (no warm-up).',
      ],
    };
  },
});
