import { reconcileCheckpoints } from '../../cluster/checkpoint-reconciler.js';
import { declareIfLost } from '../../cluster/liveness.js';
import { homeLayout, resolveHome } from '../../config/home.js';
import { type CheckpointRecord, isSavepointKind } from '../../metadata/index.js';
import { formatSize as size } from '../format-size.js';
import { say, sayJson } from '../output.js';
import { formatTime } from './list.js';
import { withStore } from './open-store.js';

/**
 * A completed checkpoint retention deleted since stays COMPLETED (as in Flink), marked
 * discarded; one that reading found damaged, marked so (the reason follows the table).
 */
function statusOf(c: CheckpointRecord): string {
  if (c.discarded) return `${c.status} (discarded)`;
  return c.restoreProblem !== null ? `${c.status} (cannot be restored)` : c.status;
}

function row(c: CheckpointRecord): string[] {
  return [
    String(c.checkpointId),
    c.kind,
    statusOf(c),
    formatTime(c.triggerTime),
    c.durationMs === null ? '-' : `${Math.round(c.durationMs)} ms`,
    size(c.stateSize),
    size(c.checkpointedSize),
    c.status === 'FAILED' ? `failed: ${c.failureReason ?? 'unknown'}` : (c.path ?? '-'),
  ];
}

/**
 * `flink checkpoints <jobId> [--json]`: the job's checkpoint history, newest first; for a job
 * that has ended, level with its checkpoint directory first (see reconcileCheckpoints).
 */
export async function checkpointsCommand(jobIdOrPrefix: string, json: boolean): Promise<number> {
  return withStore(async (store) => {
    const jobId = store.resolveJobId(jobIdOrPrefix);
    await reconcileCheckpoints(store, declareIfLost(store, store.getJob(jobId)!), homeLayout(resolveHome()).checkpointsDir);
    const history = store.listCheckpoints(jobId);
    if (json) {
      sayJson(history);
      return 0;
    }
    if (history.length === 0) {
      say(`No checkpoints for job ${jobId}.`);
    } else {
      const header = ['ID', 'KIND', 'STATUS', 'TRIGGERED', 'DURATION', 'STATE SIZE', 'CHECKPOINTED', 'PATH'];
      const rows = [header, ...history.map(row)];
      const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      for (const r of rows) say(r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
      const unusable = history.filter((c) => c.status === 'COMPLETED' && !c.discarded && c.restoreProblem !== null);
      if (unusable.length > 0) say('');
      for (const c of unusable) say(`${isSavepointKind(c.kind) ? 'Savepoint' : 'Checkpoint'} ${c.checkpointId} cannot be restored: ${c.restoreProblem}`);
      // flink.db keeps the newest ENDED_CHECKPOINTS_KEPT of those that are over; the rest are counted.
      const forgotten = store.checkpointCounts(jobId).total - history.length;
      if (forgotten > 0) say(`${forgotten} older checkpoint${forgotten === 1 ? '' : 's'} (failed, or deleted by retention) no longer listed.`);
    }
    const restarts = store.listEvents(jobId).filter((e) => e.kind === 'restart');
    if (restarts.length > 0) {
      say('');
      say(`Restarts (each from the latest checkpoint or savepoint completed before it):`);
      for (const e of restarts) say(`  ${formatTime(e.time)}  attempt ${e.attempt ?? '?'}: ${e.cause ?? 'unknown cause'}`);
    }
    return 0;
  });
}
