/** Reading a restart strategy's decisions in tests (test/cluster/restart-strategy*.test.ts). */
import assert from 'node:assert/strict';
import type { RestartDecision, RestartStrategy } from '../../src/cluster/restart-strategy.js';

/** The delay of a decision that must be a restart. */
export function delayOf(d: RestartDecision): number {
  assert.equal(d.restart, true, `expected a restart, got ${JSON.stringify(d)}`);
  return (d as { delayMs: number }).delayMs;
}

/** Asserts the strategy gave up, with a reason matching `reason`. */
export function assertGivesUp(d: RestartDecision, reason: RegExp): void {
  assert.equal(d.restart, false, `expected no restart, got ${JSON.stringify(d)}`);
  assert.match((d as { reason: string }).reason, reason);
}

/** The delays of failures at `times`, or 'stop' where the strategy gives up. */
export function delays(s: RestartStrategy, times: readonly number[]): Array<number | 'stop'> {
  return times.map((t) => {
    const d = s.onFailure(t);
    return d.restart ? d.delayMs : 'stop';
  });
}
