/**
 * Every restore is on record, as Flink's checkpoint statistics count them: a failover's event in
 * flink.db names the snapshot it restored (a checkpoint, or a savepoint newer than every
 * checkpoint), and `GET /jobs/:id/checkpoints` counts the restores and shows the latest.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { FileSink } from '../../src/index.js';
import { MetadataStore } from '../../src/metadata/index.js';
import { checkpointingStatistics, restoresOf } from '../../src/web/rest/checkpoint-views.js';
import { capturePipeline, tempDir } from '../helpers/run-job.js';
import { injectFailure, numbersFailingOnRequest, startTrackedJob, until } from '../helpers/tracked-job.js';

test('each failover records the snapshot it restored; the REST statistics count the restores and show the latest', async () => {
  const home = tempDir('flink-restores-');
  const store = MetadataStore.open(join(home.path, 'flink.db'));
  const out = join(home.path, 'out');
  injectFailure.next = false;
  const job = startTrackedJob(
    home,
    store,
    capturePipeline((env) => {
      numbersFailingOnRequest(env).sinkTo(FileSink.forRowFormat<number>(out).build()).uid('files');
    }, 'restores'),
  );
  const id = job.master.jobId;
  const restartEvents = () => store.listEvents(id).filter((e) => e.kind === 'restart');
  const failOver = async (n: number) => {
    injectFailure.next = true;
    await until(() => job.restarts() === n && store.getJob(id)?.status === 'RUNNING', `restart ${n}`);
  };
  try {
    // A failure before any checkpoint starts over: nothing restored.
    await sleep(100);
    await failOver(1);
    const cp = await job.done('checkpoint', { full: false });
    await failOver(2);
    await sleep(100);
    const sp = await job.done('savepoint');
    await failOver(3);
    assert.deepEqual(
      restartEvents().map((e) => [e.restoredId, e.restoredPath]),
      [
        [null, null],
        [cp.checkpointId, cp.path],
        [sp.checkpointId, sp.path],
      ],
    );
    const j = store.getJob(id)!;
    const stats = checkpointingStatistics(j, undefined, store.listCheckpoints(id), store.checkpointCounts(id), restoresOf(j, store.listEvents(id), (p) => store.findCheckpointByPath(p)));
    assert.equal(stats.counts.restored, 2);
    assert.deepEqual({ ...stats.latest.restored!, restore_timestamp: 0 }, { id: sp.checkpointId, restore_timestamp: 0, is_savepoint: true, external_path: sp.path });
    assert.ok(stats.latest.restored!.restore_timestamp >= restartEvents()[2]!.time);
  } finally {
    job.master.cancel();
    await job.outcome;
    store.close();
    home.cleanup();
  }
});
