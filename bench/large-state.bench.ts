/**
 * State larger than the heap: `jobs/distinct-keys.ts` (every key seen twice; the second sight
 * checks what the first stored) run through `bin/flink` with the Node heap capped, on the lmdb
 * backend and on the heap backend (the baseline, same rounds). Figures: records per second (from
 * the job's runtime) and the heap in use at the end.
 *
 * Checked: on lmdb every key is checked and none is wrong; on hashmap the same, or the run
 * died of "JavaScript heap out of memory" (then it has no figures and a note says so).
 *
 *   npm run bench -- large-state --set keys=20000000     # the 20M-key run
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchContext, type BenchParams, type Run, alternate, defineBench, figure, type Figure } from './harness/index.js';

interface Params extends BenchParams {
  readonly keys: number;
  readonly heapMiB: number;
}

type Backend = 'hashmap' | 'lmdb';

type Outcome =
  | { readonly ok: true; readonly checked: number; readonly wrong: number; readonly runtimeMs: number; readonly heapUsedMiB: number }
  | { readonly ok: false; readonly outOfHeap: boolean; readonly why: string };

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');

function runJob(p: Params, backend: Backend): Outcome {
  const home = mkdtempSync(join(tmpdir(), 'flink-ts-bench-large-'));
  try {
    const r = spawnSync(
      join(REPO, 'bin', 'flink'),
      ['run', '-D', `state.backend.type=${backend}`, '-D', 'pipeline.object-reuse=true', join(REPO, 'jobs', 'distinct-keys.ts'), String(p.keys)],
      { env: { ...process.env, FLINK_TS_HOME: home, NODE_OPTIONS: `--max-old-space-size=${p.heapMiB}` }, encoding: 'utf8', maxBuffer: 1 << 26 },
    );
    const line = /keys checked: (\d+), wrong: (\d+) \(heap used (\d+) MiB/.exec(r.stdout);
    const runtime = /Job Runtime: (\d+) ms/.exec(r.stdout);
    if (r.status !== 0 || !line || !runtime) {
      const outOfHeap = /heap out of memory|Allocation failed/i.test(r.stderr);
      return { ok: false, outOfHeap, why: outOfHeap ? 'JavaScript heap out of memory' : `exit ${r.status}: ${r.stderr.trim().split('\n').at(-1) ?? ''}` };
    }
    return { ok: true, checked: Number(line[1]), wrong: Number(line[2]), heapUsedMiB: Number(line[3]), runtimeMs: Number(runtime[1]) };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

function verifier(ctx: BenchContext, p: Params, backend: Backend): (o: Outcome) => void {
  return (o) => {
    if (!o.ok) {
      // The heap backend is allowed to run out of heap: showing when it does is this bench's point.
      ctx.check.that(backend === 'hashmap' && o.outOfHeap, `the ${backend} run finishes${backend === 'hashmap' ? ' or runs out of heap' : ''}`, o.why);
      return;
    }
    ctx.check.equal(o.checked, p.keys, `keys checked on ${backend}`);
    ctx.check.equal(o.wrong, 0, `keys read back wrong on ${backend}`);
  };
}

type Finished = Extract<Outcome, { ok: true }>;
const finished = (runs: readonly Run<Outcome>[]): Finished[] | undefined =>
  runs.every((r) => r.facts.ok) ? runs.map((r) => r.facts as Finished) : undefined;

export default defineBench<Params>({
  name: 'large-state',
  description:
    'jobs/distinct-keys.ts (every key stored, then read back and checked) through `flink run` with the Node heap capped, on the lmdb backend against the hashmap backend: records per second and heap in use at the end.',
  sizes: {
    full: { keys: 2_000_000, heapMiB: 512, rounds: 3, warmups: 0 },
    smoke: { keys: 2_000, heapMiB: 512, rounds: 1, warmups: 0 },
  },
  async run(p, ctx) {
    const runs = await alternate(ctx, p, {
      hashmap: { label: 'hashmap', run: () => runJob(p, 'hashmap'), verify: verifier(ctx, p, 'hashmap') },
      lmdb: { label: 'lmdb', run: () => runJob(p, 'lmdb'), verify: verifier(ctx, p, 'lmdb') },
    });
    const rate = (f: Finished[]) => f.map((o) => (2 * p.keys) / (o.runtimeMs / 1000));
    const heap = (f: Finished[]) => f.map((o) => o.heapUsedMiB * 2 ** 20);
    const lmdb = finished(runs.lmdb)!;
    const hashmap = finished(runs.hashmap);
    const figures: Figure[] = [];
    const notes: string[] = [];
    if (hashmap) {
      figures.push(figure('hashmap: records', 'records/s', rate(hashmap)), figure('hashmap: heap used at the end', 'bytes', heap(hashmap)));
      figures.push(
        figure('lmdb: records', 'records/s', rate(lmdb), { label: 'hashmap', values: rate(hashmap) }),
        figure('lmdb: heap used at the end', 'bytes', heap(lmdb), { label: 'hashmap', values: heap(hashmap) }),
      );
    } else {
      figures.push(figure('lmdb: records', 'records/s', rate(lmdb)), figure('lmdb: heap used at the end', 'bytes', heap(lmdb)));
      const died = runs.hashmap.filter((r) => !r.facts.ok).length;
      notes.push(`hashmap ran out of heap (${p.heapMiB} MiB) in ${died} of ${runs.hashmap.length} rounds: it has no figures.`);
    }
    return {
      title: `large state: ${p.keys.toLocaleString('en-US')} distinct keys, each seen twice, heap capped at ${p.heapMiB} MiB`,
      figures,
      notes,
    };
  },
});
