/**
 * Reference computations of the Nexmark queries q0–q22: each a plain pass over the events (an
 * array or any iterable, in index order), no engine, returning the query's rows for that
 * bounded input — windowed queries their final rows per window at end of input, joins and
 * aggregations their final table. Each file states its rows' fields (in the order a job's JSON
 * output has them), their order, and its tie rules. Importable by tests and benchmarks.
 */
import type { NexmarkEvent } from '../../../src/connectors/nexmark/index.js';
import { q0 } from './q0.js';
import { q1 } from './q1.js';
import { q2 } from './q2.js';
import { q3 } from './q3.js';
import { q4 } from './q4.js';
import { q5 } from './q5.js';
import { q6 } from './q6.js';
import { q7 } from './q7.js';
import { q8 } from './q8.js';
import { q9 } from './q9.js';
import { q10 } from './q10.js';
import { q11 } from './q11.js';
import { q12 } from './q12.js';
import { q13 } from './q13.js';
import { q14 } from './q14.js';
import { q15 } from './q15.js';
import { q16 } from './q16.js';
import { q17 } from './q17.js';
import { q18 } from './q18.js';
import { q19 } from './q19.js';
import { q20 } from './q20.js';
import { q21 } from './q21.js';
import { q22 } from './q22.js';

export * from './q0.js';
export * from './q1.js';
export * from './q2.js';
export * from './q3.js';
export * from './q4.js';
export * from './q5.js';
export * from './q6.js';
export * from './q7.js';
export * from './q8.js';
export * from './q9.js';
export * from './q10.js';
export * from './q11.js';
export * from './q12.js';
export * from './q13.js';
export * from './q14.js';
export * from './q15.js';
export * from './q16.js';
export * from './q17.js';
export * from './q18.js';
export * from './q19.js';
export * from './q20.js';
export * from './q21.js';
export * from './q22.js';
export * from './sql-functions.js';
export * from './windows.js';

/** A reference: the query's rows for a bounded input. */
export type NexmarkReference = (events: Iterable<NexmarkEvent>) => readonly object[];

/** Every query's reference, by name. */
export const NEXMARK_REFERENCES = {
  q0,
  q1,
  q2,
  q3,
  q4,
  q5,
  q6,
  q7,
  q8,
  q9,
  q10,
  q11,
  q12,
  q13,
  q14,
  q15,
  q16,
  q17,
  q18,
  q19,
  q20,
  q21,
  q22,
} as const satisfies Record<string, NexmarkReference>;

export type NexmarkQueryName = keyof typeof NEXMARK_REFERENCES;
