/**
 * A job's count windows bootstrapped. Flink's KeyedStateTransformation has no `countWindow`, nor
 * does flink-ts's: a count window is the global window with the triggers (and evictor)
 * `countWindow` gives it, and that is how it is bootstrapped. Its trigger fires on elements, so
 * it fires while the savepoint is written, as in Flink (whose bootstrap hands the operator every
 * record and drops its output): the window function runs, its results go nowhere, and what the
 * savepoint holds is what the job's window would hold after those records. Restored, the job
 * fires only what comes due with its own records — the firings a job reading the bootstrap
 * records and then its own would make after the bootstrap records.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  type Collector,
  CountEvictor,
  CountTrigger,
  type GlobalWindow,
  GlobalWindows,
  OperatorTransformation,
  ProcessWindowFunction,
  PurgingTrigger,
  SavepointWriter,
  type StateBootstrapTransformation,
  type WindowedStateTransformation,
} from '../../src/index.js';
import { runJob } from '../helpers/run-job.js';
import { tempRoot as tempRootIn } from '../helpers/temp-root.js';
import { restoreAndRun } from './restore-and-run.js';

const tempRoot = (): string => tempRootIn('sp-window-count-');

interface Rec {
  readonly k: string;
  readonly v: number;
}

/** Every window a function of this class was handed, in any job of this process (subtasks get their own copies). */
const fired: string[] = [];

/** `key values`: what fired. */
class Fired extends ProcessWindowFunction<Rec, string, string, GlobalWindow> {
  process(key: string, _ctx: unknown, elements: Iterable<Rec>, out: Collector<string>): void {
    const line = `${key} ${[...elements].map((r) => r.v).join(',')}`;
    fired.push(line);
    out.collect(line);
  }
}

/** Records 1..n of key a, and n + 1 .. 2n of key b. */
function records(n: number): Rec[] {
  return [...Array.from({ length: n }, (_, i) => ({ k: 'a', v: i + 1 })), ...Array.from({ length: n }, (_, i) => ({ k: 'b', v: n + i + 1 }))];
}

type CountWindowed = (w: WindowedStateTransformation<Rec, string, GlobalWindow>) => StateBootstrapTransformation<string, Rec>;

/**
 * Writes `boot` into the windows of operator 'w' through `bootstrap`, restores the savepoint into
 * a job whose `countWindow(size, slide)` reads `more`; returns what the writing job's function
 * fired (and dropped) and what the restored job emitted.
 */
async function bootstrapAndRestore(boot: readonly Rec[], bootstrap: CountWindowed, size: number, slide: number | undefined, more: readonly Rec[]): Promise<{ whileWriting: string[]; restored: string[] }> {
  const sp = join(tempRoot(), 'sp');
  fired.length = 0;
  await runJob(
    (env) =>
      SavepointWriter.newSavepoint(env)
        .withOperator('w', bootstrap(OperatorTransformation.bootstrapWith(env.fromData<Rec>(...boot)).keyBy((r) => r.k).window(GlobalWindows.create())))
        .write(sp),
    { parallelism: 2 },
  );
  const whileWriting = [...fired].sort();
  const restored = await restoreAndRun(sp, 2, (env, out) => void env.fromData<Rec>(...more).keyBy((r) => r.k).countWindow(size, slide).process(new Fired()).uid('w').addSink(out));
  return { whileWriting, restored };
}

/** What a job with `countWindow(size, slide)` emits reading `all`, in one run. */
async function straight(all: readonly Rec[], size: number, slide?: number): Promise<string[]> {
  const out: string[] = [];
  await runJob((env) => void env.fromData<Rec>(...all).keyBy((r) => r.k).countWindow(size, slide).process(new Fired()).addSink((l: string) => void out.push(l)), { parallelism: 2 });
  return out.sort();
}

describe("a job's count windows, bootstrapped as the global window with countWindow's trigger and evictor", () => {
  test('countWindow(3): PurgingTrigger.of(CountTrigger.of(3)); five records per key fire once while writing (dropped), the sixth fires the rest in the job', async () => {
    const { whileWriting, restored } = await bootstrapAndRestore(
      records(5),
      (w) => w.trigger(PurgingTrigger.of(CountTrigger.of(3))).process(new Fired()),
      3,
      undefined,
      [{ k: 'a', v: 100 }, { k: 'b', v: 200 }],
    );
    assert.deepEqual(whileWriting, ['a 1,2,3', 'b 6,7,8']);
    assert.deepEqual(restored, ['a 4,5,100', 'b 9,10,200']);
    // The job reading every record itself: the firings while writing, then the restored job's.
    assert.deepEqual(await straight([...records(5), { k: 'a', v: 100 }, { k: 'b', v: 200 }], 3), [...whileWriting, ...restored].sort());
  });

  test('countWindow(3, 2): CountTrigger.of(2) with CountEvictor.of(3); the evictor keeps the last three at each firing while writing', async () => {
    const { whileWriting, restored } = await bootstrapAndRestore(
      records(5),
      (w) => w.trigger(CountTrigger.of(2)).evictor(CountEvictor.of(3)).process(new Fired()),
      3,
      2,
      [{ k: 'a', v: 100 }],
    );
    assert.deepEqual(whileWriting, ['a 1,2', 'a 2,3,4', 'b 6,7', 'b 7,8,9']);
    // a: 2, 3, 4 kept at the second firing, 5 added, then 100: the last three fire.
    assert.deepEqual(restored, ['a 4,5,100']);
    assert.deepEqual(await straight([...records(5), { k: 'a', v: 100 }], 3, 2), [...whileWriting, ...restored].sort());
  });
});
