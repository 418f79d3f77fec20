import type { MessagePort } from 'node:worker_threads';
import type { JobGraph } from '../../graph/index.js';
import type { OperatorRestoreState } from '../../state/index.js';
import { LocatedStorage, type WorkerStorage } from './located-storage.js';
import { systemClock } from '../../util/clock.js';
import { FlinkError } from '../../util/errors.js';
import { type ChannelEnds, type Placement, jobEdges } from '../execution-graph.js';
import { JobExecution } from '../job-execution.js';
import { LocalChannel } from '../local-channel.js';
import { PortInputChannel, PortSubpartition } from './port-channel.js';
import {
  type Deployment,
  FENCED,
  FENCE_ANSWER,
  FENCE_SEQ,
  type FromWorker,
  type ToWorker,
  type WorkerBootstrap,
  channelKey,
  deserializeError,
  serializeError,
} from './protocol.js';

/** How long a worker waits for the main thread to confirm ownership before it counts itself fenced. */
const OWNERSHIP_TIMEOUT_MS = 10_000;

/** Slot sharing as in Flink: subtask i of every vertex runs in slot i mod slots. */
export function slotOf(subtask: number, slots: number): number {
  return subtask % slots;
}

/**
 * The worker's side of a job: serves one run (attempt) after another, as Flink's task slots
 * outlive failovers — module state of the job file survives a restart as it does on the main
 * thread. Each run deploys the subtasks of its slot with cross-thread channels to the other
 * slots, runs them with the same cooperative scheduler as a single-threaded run, and turns the
 * main thread's messages into the calls the JobMaster makes on a JobExecution.
 */
export function serveWorker(boot: WorkerBootstrap, jobGraph: JobGraph, port: MessagePort, workerStorage: WorkerStorage | undefined): void {
  const storage = workerStorage && new LocatedStorage(workerStorage);
  let current: ((m: ToWorker) => void) | undefined;
  port.on('message', (m: ToWorker) => {
    if (m.t === 'shutdown') {
      // Ends this thread only; what it printed has been handed to the main thread.
      process.exit(0);
    }
    // Checkpoint directories are the worker's, whichever run is current (or none).
    if (m.t === 'trigger' && m.location !== undefined) storage?.adopt(m.id, m.location);
    else if (m.t === 'complete' || m.t === 'abort') storage?.forget(m.id);
    if (m.t !== 'deploy') {
      current?.(m);
      return;
    }
    const run = startRun(boot, m.deployment, jobGraph, port, storage);
    current = run.handle;
    void run.ended.then(() => {
      if (current === run.handle) current = undefined;
    });
  });
}

/** The fencing check a worker's sinks call: a synchronous round trip to the main thread's fence. */
function ownershipCheck(boot: WorkerBootstrap, send: (m: FromWorker) => void): (action: string) => void {
  const fence = new Int32Array(boot.fence);
  return (action) => {
    const fenced = () => new FlinkError('job.fenced', `Job ${boot.jobId} is no longer owned by this process (it was about to ${action}). It stopped without committing anything more.`);
    if (Atomics.load(fence, FENCED) !== 0) throw fenced();
    const seq = Atomics.load(fence, FENCE_SEQ);
    send({ t: 'checkOwnership', action });
    if (Atomics.wait(fence, FENCE_SEQ, seq, OWNERSHIP_TIMEOUT_MS) === 'timed-out' || Atomics.load(fence, FENCE_ANSWER) !== 0) throw fenced();
  };
}

function startRun(
  boot: WorkerBootstrap,
  deployment: Deployment,
  jobGraph: JobGraph,
  port: MessagePort,
  storage: LocatedStorage | undefined,
): { handle: (m: ToWorker) => void; ended: Promise<void> } {
  const send = (m: FromWorker) => port.postMessage(m);
  let wakeUp = (): void => {};
  const wake = () => wakeUp();
  const channels: (PortSubpartition | PortInputChannel)[] = [];
  const ports = new Map<string, { end: 'out' | 'in'; port: MessagePort }>();
  for (const [key, end, p] of deployment.ports) ports.set(key, { end, port: p });
  const edgeIndex = new Map(jobEdges(jobGraph).map((e, i) => [e, i]));
  const placement: Placement = {
    owns: (_v, subtask) => slotOf(subtask, boot.slots) === boot.slot,
    channel: (edge, a, b): ChannelEnds => {
      const entry = ports.get(channelKey(edgeIndex.get(edge)!, a, b));
      if (!entry) {
        const c = new LocalChannel(boot.channelCapacity);
        return { out: c, in: c };
      }
      if (entry.end === 'out') {
        const out = new PortSubpartition(entry.port, boot.channelCapacity, boot.batchSize, wake);
        channels.push(out);
        return { out };
      }
      const input = new PortInputChannel(entry.port, boot.channelCapacity, wake);
      channels.push(input);
      return { in: input };
    },
  };
  const restored = new Map<string, OperatorRestoreState>();
  for (const [uid, subtask, state] of deployment.restore) restored.set(`${subtask}/${uid}`, state);

  let release: { resolve: () => void; reject: (err: unknown) => void } | undefined;
  const released = new Promise<void>((resolve, reject) => (release = { resolve, reject }));
  released.catch(() => undefined);
  const allFinished = (): Promise<void> => {
    send({ t: 'finished' });
    return released;
  };
  let start: (() => void) | undefined;
  const started = new Promise<void>((resolve) => (start = resolve));
  const allOpened = (): Promise<void> => {
    send({ t: 'opened' });
    return started;
  };

  let execution: JobExecution;
  try {
    execution = new JobExecution({
      jobId: boot.jobId,
      jobGraph,
      clock: systemClock,
      attemptNumber: deployment.attemptNumber,
      ...(boot.fenced ? { checkOwnership: ownershipCheck(boot, send) } : {}),
      channels: { batchSize: boot.batchSize, channelCapacity: boot.channelCapacity },
      ...(storage
        ? {
            checkpointing: {
              storage,
              responder: {
                acknowledge: (ack) => send({ t: 'ack', ack }),
                decline: (id, task, reason, cause) => send({ t: 'decline', id, task, reason, ...(cause ? { cause } : {}) }),
              },
            },
          }
        : {}),
      ...(boot.jobsStillWriting ? { jobsStillWriting: boot.jobsStillWriting } : {}),
      ...(boot.jobsAbandoned ? { jobsAbandoned: boot.jobsAbandoned } : {}),
      ...(deployment.restored ? { restore: (uid: string, subtask: number) => restored.get(`${subtask}/${uid}`) } : {}),
      stateBackend: boot.stateBackend,
      autoWatermarkIntervalMs: boot.autoWatermarkIntervalMs,
      objectReuse: boot.objectReuse,
      ...(boot.globalJobParameters ? { globalJobParameters: boot.globalJobParameters } : {}),
      ...(boot.periodicCheckpoints ? { finalCheckpoint: allFinished } : { allFinished }),
      placement,
      opened: allOpened,
      alignment: { report: (group, member, watermark) => send({ t: 'watermark', group, member, watermark }) },
      splitRequests: (uid, subtask) => send({ t: 'splitRequest', uid, subtask }),
    });
  } catch (err) {
    for (const c of channels) c.close();
    send({ t: 'failed', error: serializeError(err) });
    return { handle: () => {}, ended: Promise.resolve() };
  }
  wakeUp = () => execution.wakeUp();

  // What each message of the main thread does to this run (the JobMaster's calls on a JobExecution).
  const handlers: { readonly [T in ToWorker['t']]?: (m: Extract<ToWorker, { t: T }>) => void } = {
    trigger: (m) => {
      try {
        // Snapshots this worker's sources now, before any assignment posted after this message.
        execution.triggerCheckpoint(m.id, m.timestamp, m.options, m.enumerators && new Map(m.enumerators));
      } catch (err) {
        execution.fail(err);
      }
    },
    complete: (m) => execution.notifyCheckpointComplete(m.id),
    abort: (m) => execution.abortCheckpoint(m.id),
    pause: (m) => execution.pauseSources(m.paused),
    finishAfterSavepoint: (m) => (m.drain ? execution.endInputNow() : execution.suspend()),
    cancel: () => execution.cancel(),
    fail: (m) => execution.fail(deserializeError(m.error)),
    metrics: () => send({ t: 'metrics', readings: execution.readMetrics() }),
    align: (m) => execution.announceAlignment(m.group, m.lowest),
    sourceEvent: (m) => execution.deliverSourceEvent(m.uid, m.subtask, m.event),
    start: () => start!(),
    release: (m) => (m.error ? release!.reject(deserializeError(m.error)) : release!.resolve()),
  };
  const handle = (m: ToWorker): void => (handlers[m.t] as ((m: ToWorker) => void) | undefined)?.(m);

  // The final counters go first: the reporter's last snapshot, after the run, reads them.
  const ended = execution.run().then(
    () => {
      send({ t: 'metrics', readings: execution.readMetrics() });
      send({ t: 'done' });
    },
    (err: unknown) => {
      send({ t: 'metrics', readings: execution.readMetrics() });
      send({ t: 'failed', error: serializeError(err) });
    },
  );
  return { handle, ended: ended.finally(() => channels.forEach((c) => c.close())) };
}
