/**
 * The asynchronous half of the sink contract (src/graph/sink.ts), with a scripted writer in a
 * job run by the JobMaster with checkpoints: `open` is awaited before any record; a checkpoint
 * is acknowledged (so completed and committed) only after its `prepareCommit` resolved, and a
 * rejected one fails the job; a commit that fails later fails the job too; the job never ends
 * before its commits settle; and `pendingWork` holds records back until it settles.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { JobMaster } from '../../src/cluster/job-master.js';
import { CheckpointingOptions, Configuration, RestartStrategyOptions } from '../../src/config/index.js';
import { type Sink, type SinkWriter, StreamExecutionEnvironment, setContextExecutor } from '../../src/index.js';
import { systemClock } from '../../src/util/clock.js';
import { newJobId } from '../../src/util/ids.js';

const homes: string[] = [];
afterEach(() => {
  for (const h of homes.splice(0)) rmSync(h, { recursive: true, force: true });
});

/** What the scripted writer saw and did, in order. */
type Event = string;

interface Script {
  /** Delay of `open`, `prepareCommit` and commits (ms). */
  readonly delayMs?: number;
  /**
   * The first prepareCommit (whichever checkpoint reaches the writer first: on a loaded machine
   * the first one triggered may be aborted before it does) fails.
   */
  readonly failFirstPrepare?: boolean;
  /** The first commit (whichever checkpoint completes first) fails. */
  readonly failFirstCommit?: boolean;
  /** `pendingWork` returns a promise of this many ms after every `writes` writes. */
  readonly holdEvery?: { writes: number; ms: number };
}

class ScriptedSink implements Sink<number> {
  readonly log: Event[] = [];
  /** Records written after `pendingWork` handed out a promise and before it settled. */
  writesWhileHeld = 0;
  holds = 0;
  constructor(private readonly script: Script) {}

  createWriter(): SinkWriter<number> {
    const { log, script } = this;
    const delay = script.delayMs ?? 20;
    let writes = 0;
    let failedOnce = false;
    let preparedOnce = false;
    let held: Promise<void> | undefined;
    let holding = false;
    return {
      open: async () => {
        await sleep(delay);
        log.push('opened');
      },
      write: (v) => {
        if (holding) this.writesWhileHeld++;
        if (writes++ === 0) log.push(`first write ${v}`);
        if (script.holdEvery && writes % script.holdEvery.writes === 0 && !held) held = sleep(script.holdEvery.ms);
      },
      pendingWork: () => {
        const h = held;
        if (!h) return undefined;
        held = undefined;
        holding = true;
        this.holds++;
        return h.then(() => {
          holding = false;
        });
      },
      endOfInput: () => log.push('end of input'),
      snapshotState: (id) => {
        log.push(`cut ${id}`);
        return [];
      },
      prepareCommit: async (id) => {
        await sleep(delay);
        const first = !preparedOnce;
        preparedOnce = true;
        if (script.failFirstPrepare && first) {
          log.push(`prepare failed ${id}`);
          throw new Error(`prepare ${id} failed`);
        }
        log.push(`prepared ${id}`);
      },
      notifyCheckpointComplete: async (id) => {
        log.push(`complete ${id}`);
        await sleep(delay);
        if (script.failFirstCommit && !failedOnce) {
          failedOnce = true;
          throw new Error(`commit ${id} failed`);
        }
        log.push(`committed ${id}`);
      },
      close: () => {
        log.push('closed');
      },
    };
  }
}

async function run(sink: ScriptedSink, opts: { count?: number; rate?: number } = {}): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'flink-async-sink-'));
  homes.push(home);
  // No restarts: a failure ends the run (with checkpoints the default would restart the job).
  const configuration = new Configuration(home)
    .set(CheckpointingOptions.CHECKPOINTING_INTERVAL, 50)
    .set(RestartStrategyOptions.RESTART_STRATEGY, 'none');
  setContextExecutor({ execute: (p) => new JobMaster({ jobId: newJobId(), pipeline: p, configuration, clock: systemClock }).run() });
  try {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env
      .fromSequence(0, (opts.count ?? 2000) - 1)
      .map((i) => i)
      .sinkTo(sink)
      .uid('scripted');
    await env.execute('async-sink');
  } finally {
    setContextExecutor(undefined);
  }
}

describe('the asynchronous sink hooks', () => {
  test('open is awaited before the first record; each commit follows its own prepare; the job ends after its last commit', async () => {
    const sink = new ScriptedSink({});
    await run(sink);
    const log = sink.log;
    assert.equal(log[0], 'opened');
    assert.equal(log[1], 'first write 0');
    const completes = log.filter((e) => e.startsWith('complete ')).map((e) => Number(e.split(' ')[1]));
    assert.ok(completes.length >= 1, 'the final checkpoint at least');
    for (const id of completes) {
      assert.ok(log.indexOf(`prepared ${id}`) >= 0 && log.indexOf(`prepared ${id}`) < log.indexOf(`complete ${id}`), `prepare ${id} before its completion: ${log.join(', ')}`);
    }
    // The final checkpoint's commit comes before the writer closes: the job waited for it.
    const last = completes.at(-1)!;
    assert.ok(log.indexOf(`committed ${last}`) >= 0 && log.indexOf(`committed ${last}`) < log.indexOf('closed'), log.join(', '));
    assert.ok(log.indexOf('end of input') < log.indexOf(`cut ${last}`));
  });

  test('a rejected prepareCommit declines its checkpoint: it never completes and the job fails', async () => {
    const sink = new ScriptedSink({ failFirstPrepare: true });
    await assert.rejects(run(sink, { count: 1_000_000 }), /prepare \d+ failed/);
    const failed = sink.log.find((e) => e.startsWith('prepare failed '))!.split(' ')[2];
    assert.ok(!sink.log.includes(`complete ${failed}`), sink.log.join(', '));
  });

  test('a commit that fails after the checkpoint completed fails the job, even the final one', async () => {
    const sink = new ScriptedSink({ failFirstCommit: true });
    await assert.rejects(run(sink, { count: 1_000_000 }), /commit \d+ failed/);
    const completed = sink.log.findIndex((e) => e.startsWith('complete '));
    assert.ok(completed >= 0 && completed < sink.log.indexOf('closed'), sink.log.join(', '));
  });

  test('pendingWork holds records back until it settles', async () => {
    const sink = new ScriptedSink({ holdEvery: { writes: 500, ms: 20 } });
    await run(sink, { count: 5000 });
    assert.ok(sink.holds >= 5, `held ${sink.holds} times`);
    assert.equal(sink.writesWhileHeld, 0);
  });
});
