/**
 * The grades and salaries of the window-join example (Flink's WindowJoinSampleData), shared by
 * the job and its test. Flink draws them at random with ingestion time; here record `i` of each
 * stream is a deterministic mix of `i`, `1000 / rate` ms of event time after the previous one,
 * so a run can be checked against a reference.
 */
import { mix } from './mix.js';

export const NAMES = ['tom', 'jerry', 'alice', 'bob', 'john', 'grace'] as const;
export const GRADE_COUNT = 5;
export const SALARY_MAX = 10_000;

export interface Grade {
  readonly name: string;
  readonly grade: number;
  readonly time: number;
}

export interface Salary {
  readonly name: string;
  readonly salary: number;
  readonly time: number;
}

/** Grade `i` of a stream of `rate` grades per second. */
export function grade(i: number, rate: number): Grade {
  const x = mix(i, 0x9e3779b9);
  return { name: NAMES[x % NAMES.length]!, grade: ((x >>> 8) % GRADE_COUNT) + 1, time: Math.floor((i * 1000) / rate) };
}

/** Salary `i` of a stream of `rate` salaries per second. */
export function salary(i: number, rate: number): Salary {
  const x = mix(i, 0x7f4a7c15);
  return { name: NAMES[x % NAMES.length]!, salary: ((x >>> 8) % SALARY_MAX) + 1, time: Math.floor((i * 1000) / rate) };
}
