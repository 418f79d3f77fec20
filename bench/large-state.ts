/**
 * State larger than the heap: `jobs/distinct-keys.ts` (every key seen twice, the second
 * sight checks what the first stored) run through `bin/flink` with the Node heap capped at
 * 512 MiB, on the lmdb backend and on the heap backend (the baseline, same run). Prints records
 * per second, whether the run was correct, and the heap used at the end.
 *
 *   BENCH_LARGE_KEYS=20000000 npm run bench -- large-state     # the 20M-key run
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const KEYS = Number(process.env.BENCH_LARGE_KEYS ?? 2_000_000);
const HEAP_MIB = 512;
const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Outcome {
  readonly backend: string;
  readonly line: string;
  readonly ms: number | undefined;
}

function run(backend: 'hashmap' | 'lmdb'): Outcome {
  const home = mkdtempSync(join(tmpdir(), 'flink-ts-bench-large-'));
  try {
    const r = spawnSync(
      join(REPO, 'bin', 'flink'),
      ['run', '-D', `state.backend.type=${backend}`, join(REPO, 'jobs', 'distinct-keys.ts'), String(KEYS)],
      { env: { ...process.env, FLINK_TS_HOME: home, NODE_OPTIONS: `--max-old-space-size=${HEAP_MIB}` }, encoding: 'utf8', maxBuffer: 1 << 26 },
    );
    const line = r.stdout.split('\n').find((l) => l.startsWith('keys checked:'));
    const runtime = /Job Runtime: (\d+) ms/.exec(r.stdout);
    if (r.status !== 0 || !line) {
      const why = /heap out of memory|Allocation failed/i.test(r.stderr) ? 'JavaScript heap out of memory' : `exit ${r.status}: ${r.stderr.trim().split('\n').at(-1)}`;
      return { backend, line: `failed (${why})`, ms: undefined };
    }
    return { backend, line, ms: runtime ? Number(runtime[1]) : undefined };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

export async function largeStateBench(): Promise<void> {
  console.log(`\nLarge state: ${KEYS.toLocaleString('en-US')} distinct keys (each seen twice), heap capped at ${HEAP_MIB} MiB`);
  const heap = run('hashmap');
  const lmdb = run('lmdb');
  const rate = (o: Outcome) => (o.ms === undefined ? undefined : (2 * KEYS) / (o.ms / 1000));
  for (const o of [heap, lmdb]) {
    const r = rate(o);
    const vsHeap = r !== undefined && rate(heap) !== undefined ? `  ${(r / rate(heap)!).toFixed(2)}x heap` : '';
    console.log(`  ${o.backend.padEnd(8)} ${r === undefined ? '' : `${(r / 1e6).toFixed(2)} M records/s  `}${o.line}${vsHeap}`);
  }
}
