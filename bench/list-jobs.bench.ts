/**
 * `flink list -a` on a home with many jobs, as a user runs it (a fresh process each time),
 * against the floor of any CLI here: starting `node` with an empty script. Checked: every job is
 * listed, in the text and in the JSON form.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureHome } from '../src/config/index.js';
import { MetadataStore } from '../src/metadata/index.js';
import { newJobId } from '../src/util/ids.js';
import { type BenchParams, alternate, defineBench, figure } from './harness/index.js';

interface Params extends BenchParams {
  readonly jobs: number;
}

/** The floor: a process that starts Node and does nothing. */
const START = 'node -e ""';
const BIN = fileURLToPath(new URL('../bin/flink', import.meta.url));

/** A home whose flink.db holds `jobs` finished and canceled jobs named job-0, job-1, … */
export function fillHome(home: string, jobs: number): void {
  const store = MetadataStore.open(ensureHome(home).dbPath);
  try {
    for (let i = 0; i < jobs; i++) {
      const jobId = newJobId();
      store.createJob({ jobId, name: `job-${i}`, jobFile: '/jobs/job.ts', args: [], status: 'CREATED', config: {} });
      store.transitionJob(jobId, 'RUNNING', { pid: null });
      store.transitionJob(jobId, i % 3 === 0 ? 'CANCELLING' : 'FINISHED');
      if (i % 3 === 0) store.transitionJob(jobId, 'CANCELED');
    }
  } finally {
    store.close();
  }
}

export default defineBench<Params>({
  name: 'list-jobs',
  description: '`flink list -a` (text and --json) in a fresh process on a home with 1,000 finished jobs, against starting `node` with an empty script.',
  sizes: {
    full: { jobs: 1000, rounds: 7, warmups: 1 },
    smoke: { jobs: 10, rounds: 1, warmups: 0 },
  },
  async run(p, ctx) {
    const home = mkdtempSync(join(tmpdir(), 'flink-ts-bench-list-'));
    try {
      fillHome(home, p.jobs);
      const env = { ...process.env, FLINK_TS_HOME: home };
      const listed = (out: string) => new Set(out.match(/\bjob-\d+\b/g) ?? []).size;
      const runs = await alternate(ctx, p, {
        node: {
          label: START,
          run: () => execFileSync(process.execPath, ['-e', ''], { encoding: 'utf8' }),
          verify: () => {},
        },
        text: {
          label: 'flink list -a',
          run: () => execFileSync(process.execPath, [BIN, 'list', '-a'], { env, encoding: 'utf8' }),
          verify: (out) => ctx.check.equal(listed(out), p.jobs, 'jobs listed by flink list -a'),
        },
        json: {
          label: 'flink list -a --json',
          run: () => execFileSync(process.execPath, [BIN, 'list', '-a', '--json'], { env, encoding: 'utf8' }),
          verify: (out) => {
            const jobs = JSON.parse(out) as Array<{ name?: unknown }>;
            ctx.check.equal(new Set(jobs.map((j) => j.name)).size, p.jobs, 'jobs listed by flink list -a --json');
          },
        },
      });
      const start = { label: START, values: runs.node.map((r) => r.ms) };
      return {
        title: `flink list on a home with ${p.jobs.toLocaleString('en-US')} jobs, a fresh process per call`,
        figures: [
          figure(START, 'ms', start.values),
          figure('flink list -a', 'ms', runs.text.map((r) => r.ms), start),
          figure('flink list -a --json', 'ms', runs.json.map((r) => r.ms), start),
        ],
      };
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  },
});
