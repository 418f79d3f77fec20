/**
 * Global job parameters from the job's arguments under `flink run`, on worker threads: each
 * worker imports the job file again with the same arguments, so its own ParameterTool agrees with
 * the parameters its runtime contexts give out (the main thread's); and flink.db records them
 * for `flink web`'s user-config.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SUBMITTED_LINE, dbRow, freshHome, linesOf, removeTempDirs, runFlink, tempDir } from './helpers.js';

after(removeTempDirs);

const JOB = `import { isMainThread } from 'node:worker_threads';
import { ParameterTool, RichMapFunction, StreamExecutionEnvironment } from 'flink-ts';
const params = ParameterTool.fromArgs(process.argv.slice(2));
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.getConfig().setGlobalJobParameters(params);
class Tag extends RichMapFunction<number, string> {
  map(n: number): string {
    const global = this.getRuntimeContext().getGlobalJobParameters();
    // Its own thread's arguments, next to what the runtime context says: the two must agree.
    return [isMainThread ? 'main' : 'worker', this.getRuntimeContext().getIndexOfThisSubtask(), global.get('greeting'), params.get('greeting'), global.get('n')].join(' ');
  }
}
const lines = await env.fromSequence(1, 4).rebalance().map(new Tag()).executeAndCollect(4);
for (const line of [...new Set(lines)].sort()) console.log(line);
`;

test("workers read the same parameters as the job file's arguments; flink.db records them", async () => {
  const file = join(tempDir(), 'job.ts');
  writeFileSync(file, JOB);
  const home = freshHome();
  const r = await runFlink(['run', '-p', '2', '-D', 'taskmanager.numberOfTaskSlots=2', file, '--greeting', 'hi there', '--n', '-5'], { home, timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  // executeAndCollect(4) cancels the job once it has its 4 records.
  const jobId = SUBMITTED_LINE.exec(linesOf(r.stdout)[0]!)![1]!;
  assert.deepEqual(
    linesOf(r.stdout).filter((l) => /^(main|worker) /.test(l)),
    ['worker 0 hi there hi there -5', 'worker 1 hi there hi there -5'],
  );
  const row = dbRow<{ config: string }>(home, 'SELECT config FROM jobs WHERE job_id = ?', jobId)!;
  assert.equal(JSON.parse(row.config)['pipeline.global-job-parameters'], JSON.stringify({ greeting: 'hi there', n: '-5' }));
});
