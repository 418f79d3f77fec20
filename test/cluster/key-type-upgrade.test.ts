/*
 * A job upgraded from `keyBy(e => e.id)` (strings) to `keyBy(e => Number(e.id))` restores its
 * savepoint and would find none of its state: Flink refuses such a restore (its key serializer
 * changed, StateBackendMigrationTestBase#testStateBackendRestoreFailsIfNewKeySerializer…), and so
 * does this, when the first records arrive: the job FAILS at once in one line, without restarts
 * (as a state migration refusal). The same job unchanged restores and counts on; the new key type
 * under a new uid with -n starts fresh. In this process under a tracked JobMaster, both backends,
 * a savepoint written by one job graph and restored into another.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadSnapshot } from '../../src/checkpoint/snapshot-loader.js';
import { unrecoverableCause } from '../../src/cluster/failure-classification.js';
import {
  type Collector,
  DataGeneratorSource,
  KeyedProcessFunction,
  type KeyedProcessContext,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from '../../src/index.js';
import { MetadataStore } from '../../src/metadata/index.js';
import { assignToKeyGroup } from '../../src/state/index.js';
import { JobCancelledError, KeyTypeChangedError } from '../../src/util/errors.js';
import { capturePipeline, collectInto, tempDir } from '../helpers/run-job.js';
import { startTrackedJob, until } from '../helpers/tracked-job.js';

type Event = { id: string };

/** Emits `key:count`, the count per key kept in state; registers a timer per key, so timers are restored too. */
class Count extends KeyedProcessFunction<unknown, Event, string> {
  private count!: ValueState<number>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count', 0));
  }
  processElement(_e: Event, ctx: KeyedProcessContext<unknown>, out: Collector<string>): void {
    const n = this.count.value()! + 1;
    this.count.update(n);
    ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 3_600_000);
    out.collect(`${JSON.stringify(ctx.getCurrentKey())}:${n}`);
  }
}

function job(key: (e: Event) => unknown, uid: string, out: string[], ids: readonly string[] = ['0', '1', '2', '3', '4']) {
  return capturePipeline((env) => {
    env
      .fromSource(new DataGeneratorSource<Event>((i) => ({ id: ids[i % ids.length]! }), Infinity, { recordsPerSecond: 500 }), WatermarkStrategy.noWatermarks(), 'gen')
      .uid('gen')
      .keyBy(key)
      .process(new Count())
      .uid(uid)
      .addSink(collectInto(out))
      .uid('sink');
  }, 'key-type-upgrade');
}

/** Ids that are numbers (`'#7'` → 7) or strings: the keys of a job whose keys mix types. */
const mixedKey = (e: Event): unknown => (e.id.startsWith('#') ? Number(e.id.slice(1)) : e.id);
/** `n` keys of the kind `make` gives whose key groups (of 128) lie in `from`..`to`. */
function keysIn(from: number, to: number, n: number, make: (i: number) => unknown): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    const k = make(i);
    const kg = assignToKeyGroup(k, 128);
    if (kg >= from && kg <= to) out.push(typeof k === 'number' ? `#${k}` : String(k));
  }
  return out;
}

for (const backend of ['hashmap', 'lmdb']) {
  describe(`a job whose key changed type after an upgrade [${backend}]`, () => {
    test("string keys in the savepoint, number keys now: FAILED at once in one line naming the uid, both types and what to do; unchanged or under a new uid with -n it runs", async () => {
      const home = tempDir('flink-key-type-');
      const store = MetadataStore.open(join(home.path, 'flink.db'));
      const settings = { 'state.backend.type': backend };
      try {
        const first: string[] = [];
        const a = startTrackedJob(home, store, job((e) => e.id, 'count', first), undefined, settings);
        await until(() => first.length >= 20, 'records counted');
        const sp = await a.done('stop');
        assert.equal(await a.outcome, undefined);
        const restore = { snapshot: loadSnapshot(sp.path), allowNonRestoredState: false };

        const ran: string[] = [];
        const changed = startTrackedJob(home, store, job((e) => Number(e.id), 'count', ran), restore, settings);
        // Unfenced, the job would run on with fresh counts: end it then, so the test fails rather than hangs.
        let ended = false;
        const ranOn = until(() => ended || ran.length >= 20, 'records or the end', 60_000).then(() => (ended ? undefined : 'it ran on'));
        const err = await Promise.race([changed.outcome.finally(() => (ended = true)), ranOn.then((r) => r ?? changed.outcome)]);
        if (err === 'it ran on') {
          changed.master.cancel();
          await changed.outcome;
          assert.fail(`the job ran on with keys of another type, finding none of its state: ${ran.slice(0, 5).join(' ')}`);
        }
        const cause = unrecoverableCause(err);
        assert.ok(cause instanceof KeyTypeChangedError, `expected KeyTypeChangedError, got ${String(err)}`);
        assert.equal(cause.code, 'state.keyTypeChanged');
        assert.match(cause.message, /^Operator uid 'count' restored state keyed by strings \(e\.g\. "[0-4]"\), but the job's keyBy now returns numbers \(e\.g\. [0-4]\): .*Change keyBy back to return strings, or start the operator fresh: give it a new uid and restore with --allow-non-restored-state \(-n\)\.$/);
        assert.doesNotMatch(String((err as Error).message), /\n/);
        assert.equal(changed.restarts(), 0, 'no restart can fix it');
        assert.equal(store.getJob(changed.master.jobId)!.status, 'FAILED');

        // Unchanged: the counts go on from the savepoint's.
        const again: string[] = [];
        const same = startTrackedJob(home, store, job((e) => e.id, 'count', again), { snapshot: loadSnapshot(sp.path), allowNonRestoredState: false }, settings);
        await until(() => again.length >= 5, 'records after the restore');
        assert.ok(again.slice(0, 5).every((r) => Number(r.split(':')[1]) > 1), `counts go on: ${again.slice(0, 5).join(' ')}`);
        same.master.cancel();
        await same.outcome;

        // The new key type under a new uid, the old state dropped with -n: a fresh start.
        const fresh: string[] = [];
        const renamed = startTrackedJob(home, store, job((e) => Number(e.id), 'count-by-number', fresh), { snapshot: loadSnapshot(sp.path), allowNonRestoredState: true }, settings);
        await until(() => fresh.length >= 5, 'records under the new uid');
        assert.deepEqual(fresh.slice(0, 5).sort(), ['0:1', '1:1', '2:1', '3:1', '4:1']);
        renamed.master.cancel();
        await renamed.outcome;
      } finally {
        store.close();
        home.cleanup();
      }
    });
  });
}

describe('a job whose keys mix types, restored at parallelism 2', () => {
  test("a subtask whose share held strings only gets numbers first: no alarm, as the operator's snapshot held both", async () => {
    const home = tempDir('flink-key-mixed-');
    const store = MetadataStore.open(join(home.path, 'flink.db'));
    // Before: strings in subtask 1's key groups (64-127), numbers in subtask 0's (0-63).
    const before = [...keysIn(64, 127, 3, (i) => `s${i}`), ...keysIn(0, 63, 3, (i) => i)];
    // After: numbers only, in subtask 1's key groups, whose own share held strings only.
    const after = keysIn(64, 127, 3, (i) => i);
    try {
      const first: string[] = [];
      const a = startTrackedJob(home, store, job(mixedKey, 'count', first, before), undefined, { 'parallelism.default': 2 });
      await until(() => first.length >= 30, 'records counted');
      const sp = await a.done('stop');
      assert.equal(await a.outcome, undefined);
      const out: string[] = [];
      const b = startTrackedJob(home, store, job(mixedKey, 'count', out, after), { snapshot: loadSnapshot(sp.path), allowNonRestoredState: false }, { 'parallelism.default': 2 });
      await until(() => out.length >= 10, 'records after the restore');
      b.master.cancel();
      const outcome = await b.outcome;
      assert.ok(outcome instanceof JobCancelledError, `cancelled, not failed: ${String(outcome)}`);
      assert.equal(b.restarts(), 0);
    } finally {
      store.close();
      home.cleanup();
    }
  });
});
