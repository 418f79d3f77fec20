/**
 * `npm run bench`: every benchmark, each printing its figures and the ratio to a baseline
 * measured in the same run. Timings live here, never in tests.
 */
import { keyedCountBench } from './keyed-count.js';
import { listJobsBench } from './list-jobs.js';
import { checkpointBench } from './checkpoint-1m-keys.js';
import { incrementalCheckpointBench } from './incremental-checkpoint.js';
import { largeStateBench } from './large-state.js';
import { embeddedStoresBench } from './embedded-stores.js';
import { postgresBench } from './postgres.js';

const only = process.argv[2];
const benches: Record<string, () => Promise<void>> = { 'keyed-count': keyedCountBench, 'list-jobs': listJobsBench, 'checkpoint': checkpointBench, 'incremental': incrementalCheckpointBench, 'large-state': largeStateBench, 'embedded-stores': embeddedStoresBench, postgres: postgresBench };

for (const [name, run] of Object.entries(benches)) {
  if (only && only !== name) continue;
  await run();
}
