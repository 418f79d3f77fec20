/**
 * Count windows, as Flink builds them: `countWindow(size)` is a global window firing and
 * purging every `size` elements; `countWindow(size, slide)` keeps the last `size` elements and
 * fires every `slide`.
 */
import { GlobalWindows } from './assigners/global-windows.js';
import type { WindowAssigner } from './assigners/window-assigner.js';
import { CountEvictor } from './evictors/count-evictor.js';
import type { Evictor } from './evictors/evictor.js';
import type { GlobalWindow } from './global-window.js';
import type { Window } from './window.js';
import { CountTrigger, positiveCount } from './triggers/count-trigger.js';
import { PurgingTrigger } from './triggers/purging-trigger.js';
import type { Trigger } from './triggers/trigger.js';

/** The parts of a windowed stream: assigner, trigger, and (for evicting windows) evictor. */
export interface WindowingSpec<T, W extends Window> {
  readonly assigner: WindowAssigner<T, W>;
  readonly trigger: Trigger<T, W>;
  readonly evictor?: Evictor<T, W>;
}

/** What `countWindow(size, slide?)` / `countWindowAll(size, slide?)` window by. */
export function countWindowSpec(size: number, slide?: number): WindowingSpec<unknown, GlobalWindow> {
  const n = positiveCount(size, 'countWindow size');
  if (slide === undefined) {
    return { assigner: GlobalWindows.create(), trigger: PurgingTrigger.of(CountTrigger.of<GlobalWindow>(n)) };
  }
  const s = positiveCount(slide, 'countWindow slide');
  return { assigner: GlobalWindows.create(), trigger: CountTrigger.of<GlobalWindow>(s), evictor: CountEvictor.of<GlobalWindow>(n) };
}
