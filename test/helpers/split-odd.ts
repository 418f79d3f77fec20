import { type Collector, type OutputTag, type ProcessContext, ProcessFunction } from '../../src/index.js';

/** Sends odd numbers to side output `odd`, even ones to the main output. */
export class SplitOdd extends ProcessFunction<number, number> {
  constructor(private readonly odd: OutputTag<number>) {
    super();
  }
  processElement(n: number, ctx: ProcessContext, out: Collector<number>): void {
    if (n % 2 === 1) ctx.output(this.odd, n);
    else out.collect(n);
  }
}
