/**
 * `flink list -a` on a home with 1,000 jobs, as a user runs it (a fresh process each time),
 * against the floor of any CLI here: starting `node` with an empty script.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureHome } from '../src/config/index.js';
import { MetadataStore } from '../src/metadata/index.js';
import { newJobId } from '../src/util/ids.js';
import { measure, report } from './harness.js';

const JOBS = 1000;
const BIN = fileURLToPath(new URL('../bin/flink', import.meta.url));

export async function listJobsBench(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'flink-bench-list-'));
  try {
    const store = MetadataStore.open(ensureHome(home).dbPath);
    for (let i = 0; i < JOBS; i++) {
      const jobId = newJobId();
      store.createJob({ jobId, name: `job-${i}`, jobFile: '/jobs/job.ts', args: [], status: 'CREATED', config: {} });
      store.transitionJob(jobId, 'RUNNING', { pid: null });
      store.transitionJob(jobId, i % 3 === 0 ? 'CANCELLING' : 'FINISHED');
      if (i % 3 === 0) store.transitionJob(jobId, 'CANCELED');
    }
    store.close();
    const env = { ...process.env, FLINK_TS_HOME: home };
    const baseline = await measure('node -e "" (process start)', 1, () => execFileSync(process.execPath, ['-e', '']), 5);
    const list = await measure(`flink list -a (${JOBS} jobs)`, 1, () => execFileSync(process.execPath, [BIN, 'list', '-a'], { env }), 5);
    const json = await measure(`flink list -a --json (${JOBS} jobs)`, 1, () => execFileSync(process.execPath, [BIN, 'list', '-a', '--json'], { env }), 5);
    report('flink list on a home with 1,000 jobs (best of 5, fresh process each call)', baseline, [list, json], 'calls');
    console.log(`  flink list -a: ${list.ms.toFixed(0)} ms per call`);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
