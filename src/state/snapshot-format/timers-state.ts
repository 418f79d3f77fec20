import type { KeyGroupBlock } from './key-group-block.js';
import { decodeKeyGroupBlock } from './key-group-block.js';

/*
 * Timers as keyed state (state-file format 3 on): an operator's timers are the values of one
 * internal keyed state, so they snapshot, go incremental, rescale by key group and live on either
 * backend like any other keyed state. The value for one key is a flat array:
 *
 *   [key, domain, time, namespace, domain, time, namespace, ...]
 *
 * `key` is the key as the key selector returned it (the table's map key may be its canonical
 * form, and a timer fires with the original key set); `domain` is EVENT_TIME_DOMAIN or
 * PROCESSING_TIME_DOMAIN; `time` a safe integer; `namespace` a number or string (`0` for
 * process functions, a window's namespace for windows). At most one entry per domain, time and
 * namespace. Entries are written in time order (a reader must not rely on it: lists written
 * before that was so are put in order at restore). Format 2 kept processing-time timers as a
 * list in the state-file header instead; those are converted into this state on restore.
 */

/** The reserved name of the keyed state holding an operator's timers. */
export const TIMERS_STATE = '_timers';

/** A timer's time domain as stored. */
export const EVENT_TIME_DOMAIN = 0;
export const PROCESSING_TIME_DOMAIN = 1;

/** The `_timers` value of one key (see the layout above). */
export type StoredKeyTimers = unknown[];

/** Checks a restored `_timers` value; returns why it is malformed, or undefined. */
export function checkStoredKeyTimers(value: unknown): string | undefined {
  if (!Array.isArray(value) || value.length < 4 || (value.length - 1) % 3 !== 0) return 'is not a timer list';
  for (let i = 1; i < value.length; i += 3) {
    const domain = value[i];
    const time = value[i + 1];
    const ns = value[i + 2];
    if (domain !== EVENT_TIME_DOMAIN && domain !== PROCESSING_TIME_DOMAIN) return `holds a timer of unknown domain ${String(domain)}`;
    if (typeof time !== 'number' || !Number.isSafeInteger(time)) return `holds a timer at ${String(time)}, not a time`;
    if (typeof ns !== 'number' && typeof ns !== 'string') return 'holds a timer whose namespace is neither a number nor a string';
  }
  return undefined;
}

/** The number of timers in one key's `_timers` value. */
export function storedTimerCount(value: StoredKeyTimers): number {
  return (value.length - 1) / 3;
}

/**
 * The timers in a subtask's key-group blocks (in order: a chain's base before its deltas), for
 * inspection.
 */
export function countStoredTimers(blocks: readonly KeyGroupBlock[]): number {
  const byKeyGroup = new Map<number, Map<unknown, unknown>>();
  for (const b of blocks) {
    const { puts, deletes } = decodeKeyGroupBlock(b);
    const put = puts[TIMERS_STATE];
    const del = deletes[TIMERS_STATE];
    if (!put && !del) continue;
    let keys = byKeyGroup.get(b.keyGroup);
    if (!keys || !b.delta) byKeyGroup.set(b.keyGroup, (keys = new Map()));
    for (const [k, v] of put ?? []) keys.set(k, v);
    for (const k of del ?? []) keys.delete(k);
  }
  let n = 0;
  for (const keys of byKeyGroup.values()) for (const v of keys.values()) if (checkStoredKeyTimers(v) === undefined) n += storedTimerCount(v as StoredKeyTimers);
  return n;
}
