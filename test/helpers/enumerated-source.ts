import type { InputStatus, ReaderOutput, Source, SourceReader, SplitEnumerator, SplitEnumeratorContext } from '../../src/graph/index.js';
import { type Clock, systemClock } from '../../src/util/clock.js';

/** What a harness snapshot holds: the enumerator's state and each reader's splits. */
export interface HarnessSnapshot<S> {
  readonly enumerator: unknown;
  readonly readers: S[][];
}

interface Periodic {
  readonly callable: () => unknown;
  readonly handler: (result: unknown, error: unknown) => void;
  next: number;
  readonly period: number | undefined;
}

/**
 * A source with an enumerator driven in-process, without a job (the engine's SourceCoordinator
 * in miniature): readers' split requests reach the enumerator between polls, assignments reach
 * the reader before its next poll, and `callAsync` calls run when `clock` says they are due, so
 * a ManualClock makes periodic discovery deterministic. Every event is logged in `log`.
 */
export class EnumeratedSource<T, S> {
  readonly enumerator: SplitEnumerator<S, unknown>;
  readonly readers: SourceReader<T, S>[];
  /** `assign <subtask> <split as JSON>`, `none <subtask>`, `request <subtask>`, in order. */
  readonly log: string[] = [];
  private readonly requests: number[] = [];
  private readonly periodic: Periodic[] = [];

  constructor(
    source: Source<T, S>,
    readonly parallelism = 1,
    readonly clock: Clock = systemClock,
    restore?: HarnessSnapshot<S> | { readonly legacy: S[][] },
  ) {
    const ctx: SplitEnumeratorContext<S> = {
      parallelism,
      clock,
      registeredReaders: () => new Set(this.readers.keys()),
      assignSplit: (split, subtask) => {
        this.log.push(`assign ${subtask} ${JSON.stringify(split)}`);
        this.readers[subtask]!.addSplits([split]);
      },
      assignSplits: (assignment) => {
        for (const [subtask, splits] of assignment) for (const s of splits) ctx.assignSplit(s, subtask);
      },
      signalNoMoreSplits: (subtask) => {
        this.log.push(`none ${subtask}`);
        this.readers[subtask]!.notifyNoMoreSplits?.();
      },
      callAsync: (callable, handler, initialDelayMs = 0, periodMs) => {
        this.periodic.push({ callable, handler: handler as Periodic['handler'], next: clock.now() + initialDelayMs, period: periodMs });
      },
    };
    this.readers = Array.from({ length: parallelism }, (_, i) =>
      source.createReader({
        subtaskIndex: i,
        parallelism,
        clock,
        sendSplitRequest: () => {
          this.log.push(`request ${i}`);
          this.requests.push(i);
        },
      }),
    );
    if (restore === undefined) this.enumerator = source.createEnumerator!(ctx);
    else if ('legacy' in restore) {
      this.enumerator = source.restoreEnumerator!(ctx, undefined, true);
      restore.legacy.forEach((splits, i) => this.readers[i]!.addSplits(structuredClone(splits)));
    } else {
      this.enumerator = source.restoreEnumerator!(ctx, structuredClone(restore.enumerator), false);
      restore.readers.forEach((splits, i) => this.readers[i]!.addSplits(structuredClone(splits)));
    }
    for (let i = 0; i < parallelism; i++) this.enumerator.addReader(i);
    this.enumerator.start();
  }

  /** Hands the enumerator the requests made and runs the calls due; true if anything happened. */
  pump(): boolean {
    let acted = false;
    const now = this.clock.now();
    for (const p of this.periodic) {
      if (now < p.next) continue;
      let result: unknown;
      let error: unknown;
      try {
        result = p.callable();
      } catch (err) {
        error = err;
      }
      p.handler(result, error);
      p.next = p.period === undefined ? Infinity : now + p.period;
      acted = true;
    }
    while (this.requests.length > 0) {
      this.enumerator.handleSplitRequest(this.requests.shift()!);
      acted = true;
    }
    return acted;
  }

  /** Polls reader `subtask` once, answering its requests first and after (so a free reader does not wait a poll). */
  pollNext(subtask: number, output: ReaderOutput<T>, max: number): InputStatus {
    this.pump();
    for (;;) {
      const status = this.readers[subtask]!.pollNext(output, max);
      if (status !== 'NOTHING_AVAILABLE' || !this.pump()) return status;
    }
  }

  /** The enumerator's state, then each reader's: as a checkpoint takes them (copies). */
  snapshot(checkpointId = 1): HarnessSnapshot<S> {
    const enumerator = structuredClone(this.enumerator.snapshotState(checkpointId));
    return { enumerator, readers: this.readers.map((r) => structuredClone(r.snapshotState(checkpointId))) };
  }

  /** Reader `subtask` as a SourceReader whose polls go through the harness. */
  reader(subtask = 0): SourceReader<T, S> & { snapshot(checkpointId?: number): HarnessSnapshot<S> } {
    const r = this.readers[subtask]!;
    return {
      addSplits: (splits) => r.addSplits(splits),
      pollNext: (output, max) => this.pollNext(subtask, output, max),
      nextAvailableTime: () => r.nextAvailableTime?.() ?? Infinity,
      snapshotState: (id) => r.snapshotState(id),
      snapshot: (id = 1) => this.snapshot(id),
      close: () => r.close?.(),
    };
  }
}
