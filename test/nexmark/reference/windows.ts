/**
 * Window arithmetic of the references, as Flink's assigners define it: windows aligned to the
 * epoch (offset 0), `[start, end)`, and session windows that merge when they overlap or touch.
 */

/** Start of the tumbling window of `size` ms that holds `t`. */
export function tumbleStart(t: number, size: number): number {
  return t - (((t % size) + size) % size);
}

/** Starts of every sliding window (`size`, `slide`) that holds `t`, latest first. */
export function hopStarts(t: number, size: number, slide: number): number[] {
  const starts: number[] = [];
  for (let s = tumbleStart(t, slide); s > t - size; s -= slide) starts.push(s);
  return starts;
}

/** A session: its element count and `[start, end)`, end = last element + gap. */
export interface Session {
  readonly start: number;
  readonly end: number;
  readonly count: number;
}

/**
 * The sessions of one key's element times (any order). Each element spans `[t, t + gap)`;
 * spans merge when they overlap or touch (Flink's `TimeWindow.intersects`), so two elements
 * exactly `gap` apart share a session.
 */
export function sessions(times: readonly number[], gap: number): Session[] {
  const sorted = [...times].sort((a, b) => a - b);
  const out: Session[] = [];
  let start = Number.NaN;
  let end = Number.NaN;
  let count = 0;
  for (const t of sorted) {
    if (count > 0 && t <= end) {
      end = Math.max(end, t + gap);
      count++;
      continue;
    }
    if (count > 0) out.push({ start, end, count });
    start = t;
    end = t + gap;
    count = 1;
  }
  if (count > 0) out.push({ start, end, count });
  return out;
}
