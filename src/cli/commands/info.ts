import { inspectSnapshot } from '../../checkpoint/index.js';
import { formatSize } from '../format-size.js';
import { say } from '../output.js';
import { formatTime } from './list.js';

/** `flink info <path> [--json]`: what a checkpoint or savepoint holds, without running it. */
export async function infoCommand(path: string, json: boolean): Promise<number> {
  const info = inspectSnapshot(path);
  if (json) {
    say(JSON.stringify(info, null, 2));
    return 0;
  }
  say(`${info.kind} ${info.checkpointId} of job ${info.jobId} (${info.jobName}), taken ${formatTime(info.timestamp)}`);
  say(`Path: ${info.path}`);
  say(`Size: ${formatSize(info.bytes)} in ${info.operators.reduce((n, o) => n + o.files, 0)} state files`);
  for (const op of info.operators) {
    say('');
    say(`Operator uid '${op.uid}' (${op.name}): parallelism ${op.parallelism}, max parallelism ${op.maxParallelism}, ${formatSize(op.bytes)}`);
    for (const [name, s] of Object.entries(op.keyedStates)) {
      const extra = [s.perWindow ? 'per window' : '', s.ttl ? 'with TTL' : '', s.serializer !== 'msgpack' ? `${s.serializer} serializer` : ''].filter(Boolean).join(', ');
      say(`  keyed ${s.kind} state '${name}'${extra ? ` (${extra})` : ''}: ${s.keys} keys`);
    }
    for (const [name, s] of Object.entries(op.operatorStates)) {
      const what = name === '_splits' ? 'source position' : name === '_sink' ? 'sink state' : `operator ${s.mode} list state '${name}'`;
      say(`  ${what}: ${s.elements} element${s.elements === 1 ? '' : 's'}`);
    }
    if (op.timers > 0) say(`  timers: ${op.timers}`);
  }
  return 0;
}
