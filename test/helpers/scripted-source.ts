import type { InputStatus, ReaderOutput, Source, SourceReader } from '../../src/graph/index.js';
import type { ManualClock } from '../../src/util/clock.js';

/** One record a scripted reader emits: through split `split`'s output (main output if undefined), with `timestamp` if given. */
export interface ScriptedRecord<T> {
  readonly value: T;
  readonly split?: string;
  readonly timestamp?: number;
  /** Release this record's split output after it (the split is finished). */
  readonly last?: boolean;
}

/** What one poll of a scripted reader does: emit `records`, then move the manual clock on by `advance` ms. */
export interface ScriptStep<T> {
  readonly records: readonly ScriptedRecord<T>[];
  readonly advance?: number;
  /** Emit nothing (NOTHING_AVAILABLE) until this returns true. */
  readonly waitFor?: () => boolean;
}

/**
 * A bounded, non-parallel source that plays a script, one step per poll: exact control over
 * which records (and timestamps, and splits) come in which poll, and over processing time
 * between polls, so periodic watermarks fall where a test wants them. Not replayable (tests
 * of restores use other sources).
 */
export class ScriptedSource<T> implements Source<T, number> {
  readonly maxSourceParallelism = 1;

  constructor(
    private readonly steps: readonly ScriptStep<T>[],
    private readonly clock?: ManualClock,
  ) {}

  getBoundedness() {
    return 'BOUNDED' as const;
  }

  createSplits(): number[] {
    return [0];
  }

  createReader(): SourceReader<T, number> {
    const { steps, clock } = this;
    let next = 0;
    return {
      addSplits(splits: number[]) {
        next = splits[0] ?? steps.length;
      },
      pollNext(output: ReaderOutput<T>): InputStatus {
        const step = steps[next];
        if (!step) return 'END_OF_INPUT';
        if (step.waitFor && !step.waitFor()) return 'NOTHING_AVAILABLE';
        for (const r of step.records) {
          const out = r.split === undefined ? output : output.createOutputForSplit(r.split);
          out.collect(r.value, r.timestamp);
          if (r.last && r.split !== undefined) output.releaseOutputForSplit(r.split);
        }
        if (step.advance) clock!.advance(step.advance);
        next++;
        return next < steps.length ? 'MORE_AVAILABLE' : 'END_OF_INPUT';
      },
      // Poll again at once: a manual clock may not move any more.
      nextAvailableTime: () => (clock ? clock.now() : Date.now()),
      snapshotState: () => (next < steps.length ? [next] : []),
    };
  }
}
