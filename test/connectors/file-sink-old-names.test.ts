/**
 * FileSink parts written before part names carried the sink (`part-<job 12><random 8>-…`): after
 * an upgrade, a restore of one sink of a job must not delete the parts another sink of the same
 * job (same directory) still has pending in the restored checkpoint, or that sink's records of
 * the checkpoint are lost. Old in-progress parts (no checkpoint's) are still cleaned up.
 */
import assert from 'node:assert/strict';
import { readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { FileSink, type SinkWriter, type SinkWriterContext } from '../../src/index.js';
import { newJobId } from '../../src/util/ids.js';
import { tempDir } from '../helpers/run-job.js';
import { closeWriters } from '../helpers/sink-writers.js';

let dir: { path: string; cleanup: () => void };
const writers: SinkWriter<unknown>[] = [];
beforeEach(() => {
  dir = tempDir('flink-old-names-');
});
afterEach(() => {
  closeWriters(writers);
  dir.cleanup();
});

const ctx = (jobId: string, operatorUid: string): SinkWriterContext => ({ subtaskIndex: 0, parallelism: 1, jobId, operatorUid, checkpointing: true });

test("after an upgrade, a restore of one sink keeps another sink's pending parts of the restored checkpoint (pre-upgrade names)", () => {
  const out = join(dir.path, 'out');
  const job = newJobId();
  const writer = (uid: string) => {
    const w = FileSink.forRowFormat<string>(out).build().createWriter(ctx(job, uid));
    writers.push(w as SinkWriter<unknown>);
    return w;
  };
  // Checkpoint 1 of the pre-upgrade version: each sink has a part pending.
  const a = writer('sink-a');
  const b = writer('sink-b');
  a.write('a1');
  b.write('b1');
  const [stateA, stateB] = [a.snapshotState!(1), b.snapshotState!(1)];
  a.close();
  b.close();
  // The names the version before 4c47350 wrote: job token, 8 random hex digits, no sink token.
  const oldName = (s: string) => s.replace(new RegExp(`(\\.part-${job.slice(0, 12)})[0-9a-f]{8}([0-9a-f]{8}-)`), '$1$2');
  const toOld = (state: unknown[]) =>
    state.map((e) => {
      const f = e as { pending?: string; final?: string };
      if (f.pending === undefined) return e;
      renameSync(join(out, f.pending), join(out, oldName(f.pending)));
      return { ...f, pending: oldName(f.pending), final: oldName(`.${f.final!}`).slice(1) };
    });
  const oldA = toOld(stateA);
  const oldB = toOld(stateB);
  assert.equal(readdirSync(out).filter((f) => f.endsWith('.pending')).length, 2);

  // The upgraded version restores checkpoint 1: sink-a first, then sink-b.
  const lost: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => (lost.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    writer('sink-a').restoreState!(oldA);
    writer('sink-b').restoreState!(oldB);
  } finally {
    process.stderr.write = write;
  }
  const visible = readdirSync(out).filter((f) => !f.startsWith('.'));
  assert.deepEqual(lost, [], 'sink-b finds its pending part of checkpoint 1 gone');
  assert.equal(visible.length, 2, `both sinks' parts of checkpoint 1 are committed: ${visible.join(', ')}`);
});
