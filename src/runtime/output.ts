/** Where an operator sends its results: the next chained operator, a record writer, or several. */
export interface Output<T> {
  collect(value: T): void;
}

/** Sends every record to each of several outputs (a node feeding several operators). */
export class BroadcastingOutput<T> implements Output<T> {
  constructor(private readonly outputs: readonly Output<T>[]) {}
  collect(value: T): void {
    for (const o of this.outputs) o.collect(value);
  }
}

/** Drops records; the output of a sink or of an operator nobody reads. */
export const discardingOutput: Output<unknown> = { collect: () => {} };

/** Combines outputs into one. */
export function combineOutputs<T>(outputs: readonly Output<T>[]): Output<T> {
  if (outputs.length === 0) return discardingOutput;
  if (outputs.length === 1) return outputs[0]!;
  return new BroadcastingOutput(outputs);
}
