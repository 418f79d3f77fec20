/**
 * A key's timers as the keyed state `_timers` holds them (see
 * state/snapshot-format/timers-state.ts): `[key, domain, time, namespace, domain, time, …]`, kept
 * in time order so that the timer service finds, inserts and removes a key's timers from the
 * front or the back of its list.
 */
import type { EVENT_TIME_DOMAIN, PROCESSING_TIME_DOMAIN } from '../../state/index.js';
import type { Namespace } from './internal-timer-service.js';

export type Domain = typeof EVENT_TIME_DOMAIN | typeof PROCESSING_TIME_DOMAIN;

/**
 * Position of timer (domain, time, ns) in a key's `_timers` value, or -1. A list is kept in time
 * order (see {@link insertionIndex}), so the scan stops at the first later timer: finding the
 * key's next timer to fire, or missing one that just fired, looks at the front only.
 */
export function indexOfTimer(list: readonly unknown[], domain: Domain, time: number, ns: Namespace): number {
  for (let i = 1; i < list.length; i += 3) {
    const t = list[i + 1] as number;
    if (t < time) continue;
    if (t > time) return -1;
    if (list[i] === domain && list[i + 2] === ns) return i;
  }
  return -1;
}

/**
 * Where timer (domain, time, ns) goes in a key's time-ordered `_timers` value: after the last
 * timer at or before `time` (the end, for a key's timers registered in time order, as windows
 * register theirs); -1 if it is there already. Scans from the back, so a key with many windows
 * open (a replay, with event time far ahead of the watermarks) does not cost a scan of them all.
 */
export function insertionIndex(list: readonly unknown[], domain: Domain, time: number, ns: Namespace): number {
  let i = list.length - 3;
  while (i >= 1 && (list[i + 1] as number) > time) i -= 3;
  for (let j = i; j >= 1 && list[j + 1] === time; j -= 3) {
    if (list[j] === domain && list[j + 2] === ns) return -1;
  }
  return i + 3;
}

/** Inserts timer (domain, time, ns) at `at` (from {@link insertionIndex}); at the end, the common case, by `push`. */
export function insertTimer(list: unknown[], at: number, domain: Domain, time: number, ns: Namespace): void {
  if (at === list.length) list.push(domain, time, ns);
  else list.splice(at, 0, domain, time, ns);
}

/**
 * Puts a restored `_timers` value in time order, if it is not (written before lists were kept in
 * order); true if it changed. Equal times keep their order.
 */
export function sortTimers(list: unknown[]): boolean {
  let sorted = true;
  for (let i = 4; i < list.length && sorted; i += 3) sorted = (list[i + 1] as number) >= (list[i - 2] as number);
  if (sorted) return false;
  const triples: [unknown, number, unknown][] = [];
  for (let i = 1; i < list.length; i += 3) triples.push([list[i], list[i + 1] as number, list[i + 2]]);
  triples.sort((a, b) => a[1] - b[1]);
  list.length = 1;
  for (const t of triples) list.push(...t);
  return true;
}
