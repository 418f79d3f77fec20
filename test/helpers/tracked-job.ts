/**
 * A job under a tracked JobMaster in this process (flink.db, commands as the CLI sends them),
 * for tests of what happens around checkpoints, savepoints, stops and failovers: start it, send
 * it commands, watch its restarts. Its numbers source fails once on request.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataGeneratorSource, type Pipeline, WatermarkStrategy } from '../../src/index.js';
import { JobMaster, type RestoreSettings } from '../../src/cluster/job-master.js';
import { Configuration } from '../../src/config/index.js';
import type { MetadataStore } from '../../src/metadata/index.js';
import { type Clock, systemClock } from '../../src/util/clock.js';
import { newJobId } from '../../src/util/ids.js';
import type { capturePipeline } from './run-job.js';

/** Waits until `cond` holds, polling every 5 ms; throws naming `what` after `timeoutMs`. */
export async function until(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

type Home = { readonly path: string };
type Command = 'checkpoint' | 'savepoint' | 'stop';

/**
 * Starts `pipeline` under a tracked JobMaster in `home`: checkpoints and savepoints there,
 * periodic checkpoints rare (1 h: the test triggers them), fixed-delay restarts without delay;
 * `settings` override or add configuration; `clock` is the job's (processing time), a manual one
 * for tests of processing-time timers.
 */
export function startTrackedJob(
  home: Home,
  store: MetadataStore,
  pipeline: Pipeline,
  restore?: RestoreSettings,
  settings: Record<string, string | number | boolean> = {},
  clock: Clock = systemClock,
) {
  let config = new Configuration(home.path)
    .with('execution.checkpointing.dir', join(home.path, 'checkpoints'))
    .with('execution.checkpointing.savepoint-dir', join(home.path, 'savepoints'))
    .with('execution.checkpointing.interval', '1 h')
    .with('restart-strategy.type', 'fixed-delay')
    .with('restart-strategy.fixed-delay.attempts', 5)
    .with('restart-strategy.fixed-delay.delay', '0 ms');
  for (const [k, v] of Object.entries(settings)) config = config.with(k, v);
  const logs: string[] = [];
  const master = new JobMaster({
    jobId: newJobId(),
    pipeline,
    configuration: config,
    clock,
    tracking: { store, jobFile: '/jobs/tracked.ts', args: [], log: (l) => logs.push(l) },
    ...(restore ? { restore } : {}),
  });
  /** The run's end: undefined, or what it failed with. */
  const outcome = master.run().then(
    () => undefined,
    (err: unknown) => err,
  );
  /** Sends a command as the CLI does, once the job runs; resolves with its row once it ended. */
  const command = async (kind: Command, args: Record<string, unknown> = {}) => {
    await until(() => store.getJob(master.jobId)?.status === 'RUNNING', 'the job to run');
    const id = store.submitCommand(master.jobId, kind, args);
    await until(() => !['PENDING', 'RUNNING'].includes(store.getCommand(id)!.status), `the ${kind}`);
    return store.getCommand(id)!;
  };
  /**
   * A command that must succeed: its result. A job is RUNNING once deployed, but its tasks still
   * open (a JdbcSink connects to its database and settles its prepared transactions) before any
   * can take a barrier, as they do again after a failover: a checkpoint triggered meanwhile fails
   * as not running yet, as a user's `flink checkpoint` would, and like that user this tries
   * again (for up to about 5 s).
   */
  const done = async (kind: Command, args: Record<string, unknown> = {}) => {
    for (let attempt = 0; ; attempt++) {
      const cmd = await command(kind, args);
      if (cmd.status === 'DONE') return cmd.result as { checkpointId: number; path: string };
      if (attempt >= 100 || !String(cmd.error).includes('not running yet')) assert.fail(`${kind} failed: ${cmd.error}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const restarts = () => store.listEvents(master.jobId).filter((e) => e.kind === 'restart').length;
  return { master, logs, outcome, command, done, restarts };
}

/** Steered by the tests: the next record through {@link numbersFailingOnRequest}'s map throws. */
export const injectFailure = { next: false };

/** Numbers 0, 1, 2, … at 400 a second (source uid 'gen'), through a map (uid 'fail-once') that throws once when told to. */
export function numbersFailingOnRequest(env: Parameters<Parameters<typeof capturePipeline>[0]>[0]) {
  return env
    .fromSource(new DataGeneratorSource<number>((i) => i, Infinity, { recordsPerSecond: 400 }), WatermarkStrategy.noWatermarks(), 'gen')
    .uid('gen')
    .map((v: number) => {
      if (injectFailure.next) {
        injectFailure.next = false;
        throw new Error('injected failure');
      }
      return v;
    })
    .uid('fail-once');
}
