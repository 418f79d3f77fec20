/**
 * How a window reader was told the operator kept its windows — the job's `.reduce`,
 * `.aggregate` or `.process`/`.apply`, with or without `.evictor` — and what that makes of the
 * contents a snapshot holds: the descriptor they are read through, the elements handed to
 * `readWindow`, and the one-line refusal of an operator that kept them otherwise.
 */
import { KEEPING_DESCRIBED, type WindowContentsSpec, type WindowKeeping, keepingOf, recordedWindowEncoding, windowEncodingMismatch } from '../graph/index.js';
import type { StoredElement } from '../runtime/operators/window/evicting-window-operator.js';
import { foldOf } from '../runtime/operators/window/internal-window-function.js';
import { WINDOW_CONTENTS_STATE, contentsDescriptor } from '../runtime/operators/window/window-contents-state.js';
import { ListStateDescriptor, type StateDescriptor, type StateKinds } from '../state/index.js';
import { SnapshotRestoreError } from '../util/errors.js';

/** What the reader reads: the contents the job's window function kept, and whether it had an evictor (then they are every element, with its timestamp). */
export interface WindowContentsRead {
  readonly contents: WindowContentsSpec;
  readonly evictor: boolean;
}

const READ_WITH: Record<WindowKeeping, string> = {
  reduce: 'window(assigner).reduce(...)',
  aggregate: 'window(assigner).aggregate(...)',
  process: 'window(assigner).process(...)',
  evictor: 'window(assigner).evictor().reduce/aggregate/process(...)',
};

/** The descriptor the contents are read through: the one the operator wrote them with. */
export function contentsReadDescriptor(read: WindowContentsRead, windows: string): StateDescriptor {
  return read.evictor ? new ListStateDescriptor<StoredElement>(WINDOW_CONTENTS_STATE) : contentsDescriptor(read.contents, windows);
}

/**
 * The elements `readWindow` gets of a window whose contents state reads `value`: the reduced
 * value or the aggregate's result alone; the elements; an evicting window's values, reduced or
 * aggregated if the reader was given the function (Flink's Reduce/AggregateEvictingWindowReaderFunction).
 * Undefined for a window with nothing in it.
 */
export function elementsOf(read: WindowContentsRead, value: unknown): readonly unknown[] | undefined {
  if (value === undefined) return undefined;
  if (!read.evictor) {
    if (read.contents.kind !== 'elements') return [value];
    return (value as unknown[]).length > 0 ? (value as unknown[]) : undefined;
  }
  const values = (value as StoredElement[]).map(([v]) => v);
  if (values.length === 0) return undefined;
  const fold = foldOf(read.contents);
  return fold === undefined ? values : [fold(values)];
}

/**
 * Refuses, in one line, an operator whose windows the reader would misread (the comparison a
 * restore makes too, graph's windowEncodingMismatch): kept another way (a reduce window read as
 * aggregate, an evicting one without `.evictor()`), windows of another assigner than the
 * reader's (its window serializer `windows`: a tumbling window's namespace is its start alone,
 * so another size reads other windows), or merging where the reader's assigner does not merge,
 * or the other way round.
 */
export function checkWindowContents(dir: string, uid: string, kinds: StateKinds, read: WindowContentsRead, reader: { readonly windows: string; readonly merging: boolean }): void {
  const recorded = recordedWindowEncoding(kinds);
  if (recorded === undefined) throw notWindowOperator(dir, uid);
  const wanted = { windows: reader.windows, merging: reader.merging, keeping: keepingOf(read.contents, read.evictor), shape: undefined };
  switch (windowEncodingMismatch(recorded, wanted)) {
    case undefined:
      return;
    case 'keeping':
      throw new SnapshotRestoreError(
        `Operator '${uid}' in ${dir} is a window operator that ${KEEPING_DESCRIBED[recorded.keeping]}: read it with ${READ_WITH[recorded.keeping]}, not ${READ_WITH[wanted.keeping]}.`,
        'snapshot.stateKindMismatch',
      );
    case 'windows':
      throw new SnapshotRestoreError(
        `Operator '${uid}' in ${dir} keeps windows of another assigner (${recorded.windows}) than the reader's (${reader.windows}): read it with the window assigner the job used, of the same kind and size.`,
        'snapshot.windowMismatch',
      );
    case 'merging':
      throw new SnapshotRestoreError(
        recorded.merging
          ? `Operator '${uid}' in ${dir} keeps merging windows (sessions), which the reader's assigner does not merge: read it with the session assigner the job used.`
          : `Operator '${uid}' in ${dir} keeps windows that do not merge, and the reader's assigner merges them (sessions): read it with the window assigner the job used.`,
        'snapshot.windowMismatch',
      );
  }
}

/** The refusal of an operator that is no window operator. */
export function notWindowOperator(dir: string, uid: string): SnapshotRestoreError {
  return new SnapshotRestoreError(
    `Operator '${uid}' in ${dir} is not a window operator (it keeps no window contents): read its keyed state with readKeyedState, its operator state with readListState, readUnionState or readBroadcastState.`,
    'snapshot.stateKindMismatch',
  );
}
