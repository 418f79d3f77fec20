import { OutputTag } from '../../graph/index.js';
import type { OperatorContext } from './stream-operator.js';

/** What a function context's `output(tag, value)` does. */
export type SideOutputEmitter = <X>(tag: OutputTag<X>, value: X) => void;

/** Refuses anything but an OutputTag (a tag's id alone would match no reader and be dropped unseen). */
export function checkOutputTag(tag: unknown): asserts tag is OutputTag<unknown> {
  if (!(tag instanceof OutputTag)) throw new TypeError('ctx.output(tag, value) needs an OutputTag, e.g. new OutputTag<string>("late").');
}

/**
 * `ctx.output(tag, value)` of an operator: the value goes to the side output `tag` with the
 * timestamp of the record being processed; a tag nobody reads drops it (as in Flink).
 */
export function sideOutputEmitter(ctx: OperatorContext): SideOutputEmitter {
  return (tag, value) => {
    checkOutputTag(tag);
    ctx.sideOutput(tag)?.collect(value);
  };
}
