import { KeyGroupBlockError, type OperatorStateHandle, type StateFileContent, TIMERS_STATE, countKeys, countStoredTimers, isMessagePack, runsOf, stateSize } from '../state/index.js';
import { SnapshotRestoreError } from '../util/errors.js';
import { readSnapshotMetadata, readSubtaskState, snapshotDirOf } from './snapshot-loader.js';
import type { OperatorMetadata, SnapshotKind, SnapshotMetadata } from './snapshot-metadata.js';

/** One operator's state in a snapshot, as `flink info` shows it. */
export interface OperatorStateInfo {
  readonly uid: string;
  readonly name: string;
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly bytes: number;
  readonly files: number;
  /**
   * Keyed states: kind, TTL, `perWindow` for window state, serializer, a map state's key
   * serializer where not MessagePack, and number of keys with a value.
   */
  readonly keyedStates: Record<string, { kind: string; ttl: boolean; perWindow?: true; serializer: string; keySerializer?: string; keys: number }>;
  /**
   * Operator list states: redistribution mode and element count (source positions are `_splits`, a
   * source's split enumerator state `_enumerator`;
   * broadcast state: the entries of one copy), and the serializers that wrote them where not
   * MessagePack (names, `, `-joined if subtasks differed; a broadcast state's keys apart).
   */
  readonly operatorStates: Record<string, { mode: string; elements: number; serializer?: string; keySerializer?: string }>;
  /** Timers of both time domains (kept as the internal keyed state `_timers`, not listed above). */
  readonly timers: number;
  /** Subtasks whose state cannot be read (a file missing, truncated, damaged): what is wrong, naming the file. Not counted above. */
  readonly damaged: readonly string[];
}

/** What a snapshot holds, without running anything. */
export interface SnapshotInfo {
  readonly path: string;
  readonly kind: SnapshotKind;
  readonly jobId: string;
  readonly jobName: string;
  readonly checkpointId: number;
  readonly timestamp: number;
  readonly bytes: number;
  readonly operators: readonly OperatorStateInfo[];
  /** False if any state file cannot be read: the snapshot cannot be restored. */
  readonly restorable: boolean;
}

/**
 * Reads a snapshot and summarises its state per operator. Its `_metadata` must be valid (without
 * it nothing is known); a state file that cannot be read is listed in its operator's `damaged`
 * and the rest is summarised, since a damaged snapshot is when a user most needs to see inside.
 */
export function inspectSnapshot(path: string): SnapshotInfo {
  const dir = snapshotDirOf(path);
  return summarise(dir, readSnapshotMetadata(dir));
}

function summarise(dir: string, m: SnapshotMetadata): SnapshotInfo {
  const operators = m.operators.map((op): OperatorStateInfo => {
    const keyedStates: OperatorStateInfo['keyedStates'] = {};
    const operatorStates: OperatorStateInfo['operatorStates'] = {};
    const damaged: string[] = [];
    const files: TalliedFile[] = [];
    for (const h of op.subtasks) {
      const r = tallySubtask(dir, op, h);
      if (r.problem !== undefined) damaged.push(`subtask ${h.subtask}: ${r.problem}`);
      else files.push(r);
    }
    let timers = 0;
    for (const { content: file, keys: keyCounts, timers: fileTimers } of files) {
      for (const [name, meta] of Object.entries(file.kinds)) {
        if (name === TIMERS_STATE) continue;
        const s = (keyedStates[name] ??= { kind: meta.kind, ttl: meta.ttl, ...(meta.namespaced ? { perWindow: true as const } : {}), serializer: meta.serializer.name, keys: 0 });
        for (const w of [meta.keySerializer, ...Object.values(meta.keyWriters ?? {})]) if (!isMessagePack(w)) s.keySerializer = joinName(s.keySerializer, w!.name);
      }
      for (const [name, keys] of keyCounts) {
        if (keyedStates[name]) keyedStates[name].keys += keys;
      }
      for (const [name, entry] of file.lists) {
        const { mode, values } = entry;
        const s = (operatorStates[name] ??= { mode, elements: 0 });
        // Every subtask holds a whole copy of broadcast state: its size is one copy's.
        s.elements = mode === 'broadcast' ? Math.max(s.elements, values.length) : s.elements + values.length;
        for (const [, w] of runsOf(entry)) {
          if (!isMessagePack(w.value)) s.serializer = joinName(s.serializer, w.value.name);
          if (!isMessagePack(w.key)) s.keySerializer = joinName(s.keySerializer, w.key!.name);
        }
      }
      timers += fileTimers;
    }
    return {
      uid: op.uid,
      name: op.name,
      parallelism: op.parallelism,
      maxParallelism: op.maxParallelism,
      bytes: op.subtasks.reduce((n, h) => n + stateSize(h), 0),
      files: op.subtasks.reduce((n, h) => n + 1 + (h.sharedState?.length ?? 0), 0),
      keyedStates,
      operatorStates,
      timers,
      damaged,
    };
  });
  return {
    path: dir,
    kind: m.kind,
    jobId: m.jobId,
    jobName: m.jobName,
    checkpointId: m.checkpointId,
    timestamp: m.timestamp,
    bytes: operators.reduce((n, o) => n + o.bytes, 0),
    operators,
    restorable: operators.every((o) => o.damaged.length === 0),
  };
}

/** A subtask's state as read, with its keys per state and its timers counted from its key-group blocks. */
interface TalliedFile {
  readonly content: StateFileContent;
  readonly keys: ReadonlyMap<string, number>;
  readonly timers: number;
  readonly problem?: undefined;
}

/**
 * One subtask's state, read and its blocks decoded to count keys and timers; or what is wrong,
 * naming the file: its entry in `_metadata`, the file, or one key-group block (a block that
 * passes its file's checksum but does not decode is damage like any other, not the end of the
 * listing).
 */
function tallySubtask(dir: string, op: OperatorMetadata, h: OperatorStateHandle): TalliedFile | { readonly problem: string } {
  let r;
  try {
    r = readSubtaskState(dir, op, h);
  } catch (err) {
    // _metadata records key groups this subtask cannot own: its entry is wrong, not the file.
    if (!(err instanceof SnapshotRestoreError)) throw err;
    return { problem: err.message.replace(`Cannot restore from ${dir}: `, '').replace(/\.$/, '') };
  }
  if (r.problem !== undefined) return r;
  const file = r.content;
  try {
    return { content: file, keys: countKeys(file.keyGroups), timers: file.legacyTimers.length + (file.kinds[TIMERS_STATE] ? countStoredTimers(file.keyGroups) : 0) };
  } catch (err) {
    if (!(err instanceof KeyGroupBlockError)) throw err;
    const shared = h.sharedState?.some((ref) => ref.file === err.file) === true;
    return { problem: `${shared ? 'shared state file' : 'state file'} ${err.file} of operator '${op.uid}' cannot be read: key group ${err.keyGroup} ${err.problem}` };
  }
}

/** `names` with `name` added, if new. */
function joinName(names: string | undefined, name: string): string {
  if (names === undefined) return name;
  return names.split(', ').includes(name) ? names : `${names}, ${name}`;
}
