/**
 * Transactions and rules of the dynamic-rules fraud detection example, shared by the job and
 * its test. Transaction `i` happens at `i * 100` ms of event time; its payer (one of 20) and
 * amount are a deterministic mix of `i`, with an occasional large amount. Rules change while the
 * job runs: each has an id and takes effect at its `since` time; a later version of an id
 * replaces the earlier one, and a version with `active: false` deletes the rule.
 */
import { mix } from './mix.js';

export interface Transaction {
  readonly id: number;
  readonly payer: number;
  readonly amount: number;
  readonly time: number;
}

/** Alert when a payer's amounts within the last `windowMs` (up to and including now) sum to more than `limit`. */
export interface Rule {
  readonly id: number;
  readonly active: boolean;
  readonly limit: number;
  readonly windowMs: number;
  /** The event time from which this version applies. */
  readonly since: number;
}

export const PAYERS = 20;
export const TRANSACTION_SPACING_MS = 100;
/** The longest window any rule may have; older transactions are dropped from state. */
export const MAX_RULE_WINDOW_MS = 60_000;

export function transaction(i: number): Transaction {
  const x = mix(i, 0x2545f491);
  const bucket = (x >>> 8) % 100;
  const amount = bucket < 3 ? 900 + (x % 100) : 1 + ((x >>> 4) % 100);
  return { id: i, payer: x % PAYERS, amount, time: i * TRANSACTION_SPACING_MS };
}

/** The rule changes of a run, in the order they are sent. */
export const RULES: readonly Rule[] = [
  { id: 1, active: true, limit: 3000, windowMs: 60_000, since: 0 },
  { id: 2, active: true, limit: 1000, windowMs: 10_000, since: 0 },
  { id: 2, active: true, limit: 1200, windowMs: 10_000, since: 200_000 },
  { id: 3, active: true, limit: 400, windowMs: 5_000, since: 300_000 },
  { id: 1, active: false, limit: 0, windowMs: 0, since: 400_000 },
];

/** The alert line of the job (and of the test's reference). */
export function alertLine(rule: Rule, payer: number, time: number, sum: number): string {
  return `Alert{rule=${rule.id}, payer=${payer}, time=${time}, sum=${sum}, limit=${rule.limit}}`;
}
