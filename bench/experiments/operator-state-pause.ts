/**
 * The pause a checkpoint causes in an operator holding a large operator list state: a map
 * function keeps `elements` records in a list state (MessagePack, or Avro through its
 * serializer) while records flow; checkpoints are taken one after another with the coordinator,
 * in process, as bench/checkpoint.bench.ts takes them. Printed per checkpoint: the task's
 * synchronous part (`syncMs`), the longest pause the checkpoint reports (`maxPauseMs`, the
 * figure the checkpoint bench shows), the longest gap between two records while it ran, and
 * the longest the thread ran without yielding to the event loop (`longest step`: a processing
 * slice is ~10 ms, an asynchronous slice ~2 ms; a longer one is a step of the asynchronous part
 * that did not slice, e.g. laying out the state file, or a garbage collection). With
 * `read`, the function also reads its list (`get()`) at every record, so the first record after
 * each barrier makes the checkpoint encode the list at once (operator-state-freeze.ts).
 *
 *   node --import tsx bench/experiments/operator-state-pause.ts [elements=500000] [checkpoints=5] [read]
 */
import { performance } from 'node:perf_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { compilePipeline } from '../../src/cluster/compile-pipeline.js';
import {
  AvroSerializer,
  type CheckpointedFunction,
  DataGeneratorSource,
  type FunctionInitializationContext,
  type ListState,
  ListStateDescriptor,
  RichMapFunction,
  WatermarkStrategy,
} from '../../src/index.js';
import { capturePipeline } from '../../test/helpers/run-job.js';
import { startCoordinatedJob } from '../harness/coordinated-job.js';

const ELEMENTS = Number(process.argv[2] ?? 500_000);
const CHECKPOINTS = Number(process.argv[3] ?? 5);
const READ = process.argv[4] === 'read';

let maxStepMs = 0;
let lastTick = 0;
let ticking = true;
// The job's loop yields with setImmediate between slices: the longest time between two ticks
// is the longest the thread ran without yielding.
const tick = (): void => {
  const now = performance.now();
  if (lastTick > 0) maxStepMs = Math.max(maxStepMs, now - lastTick);
  lastTick = now;
  if (ticking) setImmediate(tick);
};

interface Acct {
  id: number;
  owner: string;
  balance: number;
}
const SCHEMA = { type: 'record', name: 'Acct', fields: [{ name: 'id', type: 'long' }, { name: 'owner', type: 'string' }, { name: 'balance', type: 'double' }] };

let last = 0;
let maxGapMs = 0;
let processed = 0;

class Holding extends RichMapFunction<number, number> implements CheckpointedFunction {
  private accts!: ListState<Acct>;
  constructor(private readonly avro: boolean) {
    super();
  }
  initializeState(ctx: FunctionInitializationContext): void {
    const d = new ListStateDescriptor<Acct>('accts');
    if (this.avro) d.setSerializer(AvroSerializer.of<Acct>(SCHEMA as never));
    this.accts = ctx.getOperatorStateStore().getListState(d);
    const all: Acct[] = new Array(ELEMENTS);
    for (let i = 0; i < ELEMENTS; i++) all[i] = { id: i, owner: `owner-${i}`, balance: i / 4 };
    this.accts.update(all);
  }
  snapshotState(): void {}
  map(i: number): number {
    const now = performance.now();
    if (last > 0) maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
    processed++;
    if (READ && this.accts.get().length !== ELEMENTS) throw new Error('the list changed');
    return i;
  }
}

async function run(avro: boolean): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'flink-ts-opstate-pause-'));
  const graph = compilePipeline(
    capturePipeline((env) => {
      env
        .fromSource(new DataGeneratorSource((i) => i, Infinity), WatermarkStrategy.noWatermarks(), 'events').uid('events')
        .map(new Holding(avro)).uid('holding')
        .addSink(() => {}).uid('sink');
    }, 'operator state pause'),
  );
  let stats = { syncMs: 0, maxPauseMs: 0 };
  const { execution, coordinator, done } = startCoordinatedJob(graph, dir, 'opstate', (_c, s) => {
    stats = { syncMs: s.syncMs, maxPauseMs: s.maxPauseMs };
  });
  while (processed < 10_000) await sleep(10);
  for (let i = 0; i < CHECKPOINTS; i++) {
    await sleep(200);
    last = 0;
    maxGapMs = 0;
    maxStepMs = 0;
    lastTick = 0;
    const c = await coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' });
    console.log(
      `${avro ? 'avro' : 'msgpack'} ${ELEMENTS} elements, checkpoint ${c.checkpointId}: sync ${stats.syncMs.toFixed(1)} ms, ` +
        `maxPause ${stats.maxPauseMs.toFixed(1)} ms, longest gap between records ${maxGapMs.toFixed(1)} ms, ` +
        `longest step ${maxStepMs.toFixed(1)} ms, ${(c.stateSize / 1e6).toFixed(1)} MB`,
    );
  }
  execution.cancel();
  await done.catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}

tick();
await run(false);
await run(true);
ticking = false;
