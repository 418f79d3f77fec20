/**
 * Direction only, not a bench of record: the keyed count (and a CPU-heavy variant: JSON parse
 * per record before the keyBy) through `flink run` at -p 1, at -p 2 on the main thread, and at
 * -p 2 on two worker threads; prints events/s from each run's "Job Runtime" (which includes the
 * workers' start-up), after checking from the job's final metrics that the keyed operator took
 * in every event. Build first (`npm run build`).
 *
 *   node --import tsx bench/experiments/workers.ts [events=2000000] [rounds=2]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';

const REPO = resolve(import.meta.dirname, '../..');
const JOB = join(REPO, 'bench/experiments/keyed-count-job.ts');
const events = Number(process.argv[2] ?? 2_000_000);
const rounds = Number(process.argv[3] ?? 2);

function run(kind: 'light' | 'heavy', p: number, slots: number): number {
  const home = mkdtempSync(join(tmpdir(), 'flink-workers-bench-'));
  const r = spawnSync(process.execPath, [join(REPO, 'bin/flink'), 'run', '-p', String(p), '-D', `taskmanager.numberOfTaskSlots=${slots}`, JOB, String(events), '10000', kind], {
    env: { ...process.env, FLINK_TS_HOME: home },
    encoding: 'utf8',
  });
  const m = /Job Runtime: (\d+) ms/.exec(r.stdout);
  if (r.status !== 0 || !m) throw new Error(`flink run failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  const db = new Database(join(home, 'flink.db'), { readonly: true });
  try {
    const { metrics } = db.prepare('SELECT metrics FROM job_metrics').get() as { metrics: string };
    const tasks = (JSON.parse(metrics) as { tasks: { operators: { name: string; numRecordsIn: number }[] }[] }).tasks;
    const counted = tasks.flatMap((t) => t.operators).filter((o) => o.name === 'KeyedProcess').reduce((n, o) => n + o.numRecordsIn, 0);
    if (counted !== events) throw new Error(`${kind} p=${p} slots=${slots}: the keyed count took in ${counted} events, not ${events}`);
  } finally {
    db.close();
  }
  return events / (Number(m[1]) / 1000);
}

for (const kind of ['light', 'heavy'] as const) {
  for (const [p, slots, name] of [
    [1, 1, 'p=1'],
    [2, 1, 'p=2, one thread'],
    [2, 2, 'p=2, two workers'],
  ] as const) {
    const rates: number[] = [];
    for (let i = 0; i < rounds; i++) rates.push(run(kind, p, slots));
    console.log(`${kind} ${name}: ${rates.map((r) => `${(r / 1e6).toFixed(2)} M`).join(' / ')} events/s`);
  }
}
