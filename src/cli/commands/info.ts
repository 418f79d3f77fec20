import { existsSync } from 'node:fs';
import { type SnapshotInfo, asReading, inspectSnapshot } from '../../checkpoint/index.js';
import { FlinkError } from '../../util/errors.js';
import { isJobIdPrefix } from '../../util/ids.js';
import { formatSize } from '../format-size.js';
import { configurationLines, planLines } from '../job-plan-view.js';
import { say, sayJson } from '../output.js';
import { formatTime } from './list.js';
import { withStore } from './open-store.js';

/**
 * `flink info <path | jobId> [--json]`: what a checkpoint or savepoint holds, without running it;
 * or, given a job id (prefix) that is not a path, the job's plan and effective configuration.
 */
export async function infoCommand(target: string, json: boolean): Promise<number> {
  if (isJobIdPrefix(target) && !existsSync(target)) return jobInfo(target, json);
  return snapshotInfo(target, json);
}

async function jobInfo(idOrPrefix: string, json: boolean): Promise<number> {
  return withStore((store) => {
    const job = store.getJob(store.resolveJobId(idOrPrefix))!;
    const plan = store.getPlan(job.jobId);
    if (json) {
      const { jobId, name, status, jobFile, args, startTime, endTime, restoredFrom, config } = job;
      sayJson({ jobId, name, status, jobFile, args, startTime, endTime, restoredFrom, plan: plan ?? null, configuration: config });
      return 0;
    }
    say(`Job ${job.jobId}: ${job.name} (${job.status})`);
    say(`File: ${[job.jobFile, ...job.args].join(' ')}`);
    say(`Started ${formatTime(job.startTime)}${job.endTime !== null ? `, ended ${formatTime(job.endTime)}` : ''}`);
    if (job.restoredFrom !== null) say(`Restored from: ${job.restoredFrom}`);
    say('');
    for (const l of planLines(plan)) say(l);
    say('');
    for (const l of configurationLines(job.config)) say(l);
    return 0;
  });
}

async function snapshotInfo(path: string, json: boolean): Promise<number> {
  const info = asReading(() => inspectSnapshot(path));
  if (json) sayJson(info);
  else printSnapshot(info);
  const damaged = info.operators.reduce((n, o) => n + o.damaged.length, 0);
  if (damaged > 0) {
    const files = info.operators.reduce((n, o) => n + o.parallelism, 0);
    throw new FlinkError(
      'snapshot.damaged',
      `The snapshot at ${info.path} is damaged: the state of ${damaged} of ${files} subtasks cannot be read (${json ? 'listed in "damaged"' : 'marked DAMAGED above'}), so it cannot be restored. ` +
        'Restore from an older checkpoint or savepoint (flink run -s <jobId> skips damaged ones).',
    );
  }
  return 0;
}

function printSnapshot(info: SnapshotInfo): void {
  say(`${info.kind} ${info.checkpointId} of job ${info.jobId} (${info.jobName}), taken ${formatTime(info.timestamp)}`);
  say(`Path: ${info.path}`);
  say(`Size: ${formatSize(info.bytes)} in ${info.operators.reduce((n, o) => n + o.files, 0)} state files`);
  for (const op of info.operators) {
    say('');
    say(`Operator uid '${op.uid}' (${op.name}): parallelism ${op.parallelism}, max parallelism ${op.maxParallelism}, ${formatSize(op.bytes)}`);
    for (const d of op.damaged) say(`  DAMAGED ${d}; its state is not shown`);
    // Recorded without state files: it ran in a chain with state (see PendingCheckpoint#metadata).
    if (op.files === 0) say('  no state (it ran chained with state, so a restore restores it: isRestored() is true)');
    for (const [name, s] of Object.entries(op.keyedStates)) {
      const extra = [
        s.perWindow ? 'per window' : '',
        s.ttl ? 'with TTL' : '',
        s.keySerializer ? `${s.keySerializer} key serializer` : '',
        s.serializer !== 'msgpack' ? `${s.serializer} serializer` : '',
      ]
        .filter(Boolean)
        .join(', ');
      say(`  keyed ${s.kind} state '${name}'${extra ? ` (${extra})` : ''}: ${s.keys} keys`);
    }
    for (const [name, s] of Object.entries(op.operatorStates)) {
      const serializers = [s.keySerializer ? `${s.keySerializer} key serializer` : '', s.serializer ? `${s.serializer} serializer` : ''].filter(Boolean).join(', ');
      if (s.mode === 'broadcast') {
        say(`  broadcast state '${name}'${serializers ? ` (${serializers})` : ''}: ${s.elements} entr${s.elements === 1 ? 'y' : 'ies'} (a copy on every subtask)`);
        continue;
      }
      const what =
        name === '_splits' ? 'source position' : name === '_enumerator' ? 'split enumerator state' : name === '_sink' ? 'sink state' : `operator ${s.mode} list state '${name}'`;
      say(`  ${what}${serializers ? ` (${serializers})` : ''}: ${s.elements} element${s.elements === 1 ? '' : 's'}`);
    }
    if (op.timers > 0) say(`  timers: ${op.timers}`);
  }
}
