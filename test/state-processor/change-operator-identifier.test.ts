/**
 * SavepointWriter.changeOperatorIdentifier (Flink's): the state of an operator of an existing
 * savepoint moves to another uid — the fix for a job whose stateful operator had no uid set and
 * now has one. The savepoint is written in this process by a bootstrap job, renamed by a second
 * writing job, and restored into a job with the new uid (assignState + JobExecution, as
 * `flink run -s` does), at another parallelism.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { assignState, loadSnapshot, readSnapshotMetadata } from '../../src/checkpoint/index.js';
import { compilePipeline } from '../../src/cluster/compile-pipeline.js';
import {
  KeyedStateBootstrapFunction,
  OperatorTransformation,
  RichMapFunction,
  SavepointWriter,
  type StreamExecutionEnvironment,
  type ValueState,
  ValueStateDescriptor,
} from '../../src/index.js';
import { JobExecution } from '../../src/runtime/index.js';
import { SnapshotRestoreError } from '../../src/util/errors.js';
import { ManualClock } from '../../src/util/clock.js';
import { capturePipeline, runJob } from '../helpers/run-job.js';
import { tempRoot as tempRootIn } from '../helpers/temp-root.js';

type Row = { k: number };

/** A fresh directory, removed after the test that asked for it. */
const tempRoot = (): string => tempRootIn('sp-rename-');

class WriteN extends KeyedStateBootstrapFunction<number, Row> {
  private n!: ValueState<number>;
  override open(): void {
    this.n = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('n'));
  }
  processElement({ k }: Row): void {
    this.n.update(100 + k);
  }
}

class ReadN extends RichMapFunction<Row, string> {
  private n!: ValueState<number>;
  override open(): void {
    this.n = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('n'));
  }
  map({ k }: Row): string {
    return `${k}=${this.n.value()}`;
  }
}

const keys = [0, 1, 2, 3, 4, 5, 6];
const rows = (env: StreamExecutionEnvironment) => env.fromData<Row>(keys.map((k) => ({ k })));

/** Restores `sp` (with -n: the other operators' state is dropped) into a job whose keyed map has uid `uid`, at parallelism 3; what it printed, sorted. */
async function readBack(sp: string, uid: string): Promise<string[]> {
  const lines: string[] = [];
  const jobGraph = compilePipeline(capturePipeline((env) => void rows(env).keyBy((r) => r.k).map(new ReadN()).uid(uid).addSink((l) => void lines.push(l))), { parallelism: 3 });
  const restore = assignState(loadSnapshot(sp), jobGraph, { allowNonRestoredState: true });
  await new JobExecution({ jobId: 'restored', jobGraph, clock: new ManualClock(0), restore }).run();
  return lines.sort();
}

describe('SavepointWriter.changeOperatorIdentifier', () => {
  test("an operator's state moves to the new uid, at another parallelism; the other operators stay as they were", async () => {
    const root = tempRoot();
    const original = join(root, 'original');
    await runJob(
      (env) => {
        const t = () => OperatorTransformation.bootstrapWith(rows(env)).keyBy((r) => r.k).transform(new WriteN());
        SavepointWriter.newSavepoint(env).withOperator('auto-7f3a', t()).withOperator('other', t()).write(original);
      },
      { parallelism: 2 },
    );
    const renamed = join(root, 'renamed');
    await runJob((env) => void SavepointWriter.fromExistingSavepoint(env, original).changeOperatorIdentifier('auto-7f3a', 'counter').write(renamed));

    assert.deepEqual(readSnapshotMetadata(renamed).operators.map((op) => op.uid).sort(), ['counter', 'other']);
    const want = keys.map((k) => `${k}=${100 + k}`);
    assert.deepEqual(await readBack(renamed, 'counter'), want);
    assert.deepEqual(await readBack(renamed, 'other'), want);
    // The existing savepoint is untouched: its state is still under the old uid.
    assert.deepEqual(await readBack(original, 'auto-7f3a'), want);
  });

  test('refused in one line: an unknown uid, a new uid already taken; a renamed operator can be renamed again or removed by its new uid', async () => {
    const root = tempRoot();
    const original = join(root, 'original');
    await runJob((env) => {
      const t = () => OperatorTransformation.bootstrapWith(rows(env)).keyBy((r) => r.k).transform(new WriteN());
      SavepointWriter.newSavepoint(env).withOperator('a', t()).withOperator('b', t()).write(original);
    });
    await runJob((env) => {
      const w = SavepointWriter.fromExistingSavepoint(env, original);
      assert.throws(() => w.changeOperatorIdentifier('nope', 'x'), (e: unknown) => e instanceof SnapshotRestoreError && e.code === 'snapshot.unknownOperator' && /keeps no state of that operator; it has 'a', 'b'/.test(e.message));
      assert.throws(() => w.changeOperatorIdentifier('a', 'b'), (e: unknown) => e instanceof SnapshotRestoreError && e.code === 'savepoint.operatorExists');
      w.changeOperatorIdentifier('a', 'a2').changeOperatorIdentifier('a2', 'a3');
      assert.throws(() => w.changeOperatorIdentifier('a', 'x'), SnapshotRestoreError, 'the old uid is gone once renamed');
      w.removeOperator('b').changeOperatorIdentifier('a3', 'b');
      w.write(join(root, 'twice'));
    });
    assert.deepEqual(readSnapshotMetadata(join(root, 'twice')).operators.map((op) => op.uid), ['b']);
    assert.deepEqual(await readBack(join(root, 'twice'), 'b'), keys.map((k) => `${k}=${100 + k}`));
  });
});
