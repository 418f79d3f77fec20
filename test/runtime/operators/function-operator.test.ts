/*
 * Every place an operator calls user code per record or per timer (each operator's own call
 * sites, TwoInputFunctionOperator's per-input calls, FunctionOperator.fireTimer): a throw there
 * fails the job as the operator's UserCodeError, whichever operator, input or method threw.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type BroadcastProcessFunction,
  type CoProcessFunction,
  type KeyedProcessContext,
  MapStateDescriptor,
  type ProcessFunction,
  type StreamExecutionEnvironment,
  UserCodeError,
} from '../../../src/index.js';
import { runJob } from '../../helpers/run-job.js';

const rules = new MapStateDescriptor<string, number>('rules');

function boom(where: string): never {
  throw new Error(`boom in ${where}`);
}

/**
 * A keyed process-style function as a plain object: its element method `element` registers an
 * event-time timer (fired by the end of input's final watermark), `other` does nothing, and
 * `onTimer` throws.
 */
function failingTimer(where: string, element: string, other: string): never {
  const setTimer = (_v: unknown, ctx: KeyedProcessContext<unknown>) => ctx.timerService().registerEventTimeTimer(5);
  return { [element]: setTimer, [other]: () => {}, onTimer: () => boom(where) } as never;
}

/** The operator under test, as the case built it: it is named Boom and given a sink. */
interface Built {
  name(name: string): { addSink(fn: () => void): unknown };
}

const one = (env: StreamExecutionEnvironment) => env.fromElements(1);
const two = (env: StreamExecutionEnvironment) => env.fromElements(2);
const byValue = (v: number) => v;

/** Each case: what threw, and a job whose operator named Boom makes it throw. */
const CASES: ReadonlyArray<readonly [string, (env: StreamExecutionEnvironment) => Built]> = [
  ['map', (env) => one(env).map(() => boom('map'))],
  ['filter', (env) => one(env).filter(() => boom('filter'))],
  ['flatMap', (env) => one(env).flatMap(() => boom('flatMap'))],
  ['reduce', (env) => env.fromElements(1, 2).keyBy(() => 0).reduce(() => boom('reduce'))],
  ['processElement', (env) => one(env).process({ processElement: () => boom('processElement') } as unknown as ProcessFunction<number, number>)],
  ['keyed onTimer', (env) => one(env).keyBy(byValue).process(failingTimer('keyed onTimer', 'processElement', 'unused'))],
  ['map1', (env) => one(env).connect(two(env)).map({ map1: () => boom('map1'), map2: byValue })],
  ['map2', (env) => one(env).connect(two(env)).map({ map1: byValue, map2: () => boom('map2') })],
  ['flatMap2', (env) => one(env).connect(two(env)).flatMap({ flatMap1: () => [], flatMap2: () => boom('flatMap2') })],
  ['processElement2', (env) => one(env).connect(two(env)).process({ processElement1: () => {}, processElement2: () => boom('processElement2') } as unknown as CoProcessFunction<number, number, number>)],
  ['keyed co onTimer', (env) => one(env).keyBy(byValue).connect(two(env).keyBy(byValue)).process(failingTimer('keyed co onTimer', 'processElement1', 'processElement2'))],
  [
    'processBroadcastElement',
    (env) => one(env).connect(two(env).broadcast(rules)).process({ processElement: () => {}, processBroadcastElement: () => boom('processBroadcastElement') } as unknown as BroadcastProcessFunction<number, number, number>),
  ],
  ['keyed broadcast onTimer', (env) => one(env).keyBy(byValue).connect(two(env).broadcast(rules)).process(failingTimer('keyed broadcast onTimer', 'processElement', 'processBroadcastElement'))],
];

describe('user code called per record or timer', () => {
  for (const [where, build] of CASES) {
    test(`a throw in ${where} fails the job as the operator's UserCodeError`, async () => {
      await assert.rejects(
        runJob((env) => void build(env).name('Boom').addSink(() => {})),
        (err: unknown) => {
          assert.ok(err instanceof UserCodeError, String(err));
          assert.equal(err.message, `Operator "Boom" failed: boom in ${where}`);
          return true;
        },
      );
    });
  }
});
