/** The facts a periodic trigger is decided on. */
export interface TriggerFacts {
  readonly now: number;
  readonly pendingCount: number;
  /** When the last checkpoint completed (or failed), -Infinity if none yet. */
  readonly lastCompletionAt: number;
  readonly minPause: number;
  readonly maxConcurrent: number;
}

/** What a periodic trigger should do now. */
export type TriggerDecision =
  | { readonly action: 'trigger' }
  | { readonly action: 'wait'; readonly until: number; readonly reason: 'min-pause' }
  | { readonly action: 'skip'; readonly reason: 'max-concurrent' };

/**
 * Decides a periodic trigger, purely from facts (after Flink's CheckpointRequestDecider): never
 * more than `maxConcurrent` in flight, and at least `minPause` after the previous one ended.
 */
export function decideTrigger(f: TriggerFacts): TriggerDecision {
  if (f.pendingCount >= f.maxConcurrent) return { action: 'skip', reason: 'max-concurrent' };
  const earliest = f.lastCompletionAt + f.minPause;
  if (f.now < earliest) return { action: 'wait', until: earliest, reason: 'min-pause' };
  return { action: 'trigger' };
}
