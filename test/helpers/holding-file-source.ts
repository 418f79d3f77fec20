/**
 * A FileSource wrapped so that a test decides when its enumerator answers a reader's request
 * (split-enumerator tests: assignments made at a chosen moment, no timing).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compilePipeline } from '../../src/cluster/compile-pipeline.js';
import { FileSource, WatermarkStrategy } from '../../src/index.js';
import type { FileSourceSplit } from '../../src/connectors/index.js';
import type { JobGraph, Source, SplitEnumeratorContext } from '../../src/graph/index.js';
import { capturePipeline, tempDir } from './run-job.js';

/** A temporary directory `in` with files a, b and c of two lines each (`a0`, `a1`, …); `cleanup` removes it. */
export function threeFiles(prefix: string): { dir: string; cleanup: () => void } {
  const tmp = tempDir(prefix);
  const dir = join(tmp.path, 'in');
  mkdirSync(dir);
  for (const f of ['a', 'b', 'c']) writeFileSync(join(dir, f), `${f}0\n${f}1\n`);
  return { dir, cleanup: tmp.cleanup };
}

/** The job `source` (uid 'files') → a sink handing each line to `onLine`, at parallelism `p`. */
export function fileSourceJob(source: Source<string, FileSourceSplit>, p: number, onLine: (line: string) => void): JobGraph {
  return compilePipeline(
    capturePipeline((env) => {
      env.setParallelism(p);
      env.fromSource(source, WatermarkStrategy.noWatermarks(), 'files').uid('files').addSink(onLine);
    }),
  );
}

/**
 * A FileSource whose enumerator answers the requests `answer` lets through at once and holds the
 * others (`held`, answered when called); `ctx` is its context, `ended` the subtasks whose reader
 * returned END_OF_INPUT, `answered()` how many requests it has answered (each answer reaches its
 * reader's task at once).
 */
export function holdingSource(dir: string, answer: (subtask: number, nth: number) => boolean) {
  const files = FileSource.forTextLines(dir).build();
  const held: Array<() => void> = [];
  const ended = new Set<number>();
  let ctx: SplitEnumeratorContext<FileSourceSplit> | undefined;
  let requests = 0;
  let answered = 0;
  const source: Source<string, FileSourceSplit> = {
    getBoundedness: () => files.getBoundedness(),
    createReader: (c) => {
      const r = files.createReader(c);
      return {
        addSplits: (splits) => r.addSplits(splits),
        notifyNoMoreSplits: () => r.notifyNoMoreSplits?.(),
        nextAvailableTime: () => r.nextAvailableTime?.() ?? Infinity,
        snapshotState: (id) => r.snapshotState(id),
        close: () => r.close?.(),
        pollNext: (output, max) => {
          const status = r.pollNext(output, max);
          if (status === 'END_OF_INPUT') ended.add(c.subtaskIndex);
          return status;
        },
      };
    },
    createEnumerator: (c) => {
      ctx = c;
      const e = files.createEnumerator(c);
      return {
        start: () => e.start(),
        addReader: () => {},
        snapshotState: (id) => e.snapshotState(id),
        handleSplitRequest: (subtask) => {
          const reply = () => {
            answered++;
            e.handleSplitRequest(subtask);
          };
          if (answer(subtask, requests++)) reply();
          else held.push(reply);
        },
      };
    },
  };
  return { source, held, ended, ctx: () => ctx!, answered: () => answered };
}

