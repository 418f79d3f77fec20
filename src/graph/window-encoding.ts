/**
 * What a window operator's state depends on of its windowing, as data that both sides of a
 * restore can give: the job (its window operator's spec) and a snapshot (what the contents'
 * serializer recorded). A window is stored as a namespace its window serializer makes — a
 * tumbling or sliding window as its start alone, so the same number is another window under
 * another size — and its contents as the operator keeps them (one folded value, the elements,
 * or the elements with their timestamps for an evictor). The comparison here is the one
 * decision; a restore (checkpoint/) and the State Processor's window reader word it each for
 * their user.
 */
import type { SerializerSnapshot, StateKinds } from '../state/index.js';
import { describeDuration } from '../util/duration.js';
import type { WindowContentsSpec, WindowOperatorSpec } from './window-spec.js';

/** State names of the window operator (engine-owned: `_`). */
export const WINDOW_CONTENTS_STATE = '_window-contents';
export const MERGING_WINDOW_SET_STATE = '_merging-window-set';

/** What the contents' serializer records of how the operator keeps its windows. */
export interface WindowContentsLayout {
  /** The id of the window serializer the namespaces were written with (`TimeWindow.start/1000`, ...); undefined in snapshots from before it was recorded. */
  readonly windows: string | undefined;
  /** The contents are an evicting window's elements, each `[value, timestamp]`. */
  readonly timestamped: boolean;
  /** The windows as the user named them (`10 s tumbling event-time windows`), for messages; undefined in snapshots from before it was recorded. */
  readonly shape?: string | undefined;
}

/** The serializer snapshot's `config` recording `layout`. */
export function windowContentsConfig({ windows, timestamped, shape }: WindowContentsLayout): Record<string, unknown> {
  return { windows, ...(timestamped ? { timestamped } : {}), ...(shape !== undefined ? { shape } : {}) };
}

/** The layout a contents serializer's snapshot records (none recorded: unknown windows, no timestamps). */
export function windowContentsLayout(snapshot: SerializerSnapshot): WindowContentsLayout {
  const config = snapshot.config as { windows?: unknown; timestamped?: unknown; shape?: unknown } | undefined;
  const windows = typeof config?.windows === 'string' ? config.windows : undefined;
  const shape = typeof config?.shape === 'string' ? config.shape : undefined;
  return { windows, timestamped: config?.timestamped === true, shape };
}

/** The four ways a window operator keeps its windows, by the call that made it. */
export type WindowKeeping = 'reduce' | 'aggregate' | 'process' | 'evictor';

/** What an operator that keeps its windows so does, for messages ("an operator that …"). */
export const KEEPING_DESCRIBED: Readonly<Record<WindowKeeping, string>> = {
  reduce: 'reduces its windows (.reduce)',
  aggregate: 'aggregates its windows (.aggregate)',
  process: "keeps its windows' elements (.process or .apply)",
  evictor: "keeps its windows' elements for an evictor (.evictor)",
};

/** How a window operator with `contents`, and an evictor or not, keeps its windows. */
export function keepingOf(contents: WindowContentsSpec, evictor: boolean): WindowKeeping {
  if (evictor) return 'evictor';
  return contents.kind === 'elements' ? 'process' : contents.kind;
}

/** What a window operator's state depends on of its windowing. */
export interface WindowEncoding {
  /** The window serializer's id; undefined where a snapshot did not record it. */
  readonly windows: string | undefined;
  readonly merging: boolean;
  readonly keeping: WindowKeeping;
  /** The windows in the user's words; undefined where a snapshot did not record them (see {@link windowsInWords}). */
  readonly shape: string | undefined;
}

/** The encoding the job's window operator writes. */
export function jobWindowEncoding(spec: WindowOperatorSpec): WindowEncoding {
  const { encoding, merging, shape } = spec.windows;
  return { windows: encoding, merging, keeping: keepingOf(spec.contents, spec.evictor !== undefined), shape };
}

/** The encoding a snapshot's window operator wrote, from its states' metadata; undefined if it kept no window contents (no window operator). */
export function recordedWindowEncoding(kinds: StateKinds): WindowEncoding | undefined {
  const meta = kinds[WINDOW_CONTENTS_STATE];
  if (meta === undefined) return undefined;
  const layout = windowContentsLayout(meta.serializer);
  const keeping: WindowKeeping = meta.kind === 'reducing' ? 'reduce' : meta.kind === 'aggregating' ? 'aggregate' : layout.timestamped ? 'evictor' : 'process';
  return { windows: layout.windows, merging: Object.hasOwn(kinds, MERGING_WINDOW_SET_STATE), keeping, shape: layout.shape };
}

/** Which part of the windowing differs, first found: how contents are kept, how windows are encoded, or whether they merge. */
export type WindowMismatch = 'keeping' | 'windows' | 'merging';

/**
 * Where windows written with `recorded` would be misread by an operator of `wanted`: contents
 * kept another way, another window serializer (only where the snapshot recorded one), or
 * merging against not merging (the merging set holds the sessions; without it their contents
 * sit under state windows no timer names). Undefined: they read as written.
 */
export function windowEncodingMismatch(recorded: WindowEncoding, wanted: WindowEncoding): WindowMismatch | undefined {
  if (recorded.keeping !== wanted.keeping) return 'keeping';
  if (recorded.windows !== undefined && recorded.windows !== wanted.windows) return 'windows';
  if (recorded.merging !== wanted.merging) return 'merging';
  return undefined;
}

/**
 * Whether a restore must refuse a snapshot's window operator state for the job's operator of
 * the same uid: only where the snapshot recorded its encoding (older ones restore as they
 * always did), the job's differs, and the snapshot holds windows (contents, per-window state,
 * sessions or timers) that would be misread: a drained savepoint holds no event-time ones
 * (the drain fired them; processing-time windows not yet due stay). `holdsWindows` is asked
 * only then (it decodes the snapshot's key groups).
 */
export function windowRestoreMismatch(recorded: WindowEncoding | undefined, job: WindowEncoding, holdsWindows: () => boolean): WindowMismatch | undefined {
  if (recorded?.windows === undefined) return undefined;
  const mismatch = windowEncodingMismatch(recorded, job);
  return mismatch !== undefined && holdsWindows() ? mismatch : undefined;
}

/** An encoding's windows in the user's words: as recorded, else from the serializer id. */
export function windowsInWords(encoding: WindowEncoding): string {
  if (encoding.shape !== undefined) return encoding.shape;
  const id = encoding.windows;
  const size = id?.startsWith(START_PREFIX) ? Number(id.slice(START_PREFIX.length)) : NaN;
  if (Number.isSafeInteger(size)) return `${describeDuration(size)} tumbling or sliding windows`;
  if (id === 'TimeWindow.bounds') return 'time windows of any length (sessions or a custom assigner)';
  if (id === 'GlobalWindow') return 'global windows (GlobalWindows or countWindow)';
  return id === undefined ? 'windows' : `windows of ${id}`;
}

/** The id prefix of windowing's TimeWindowStartSerializer, whose suffix is the window size in ms. */
const START_PREFIX = 'TimeWindow.start/';
