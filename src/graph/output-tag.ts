/**
 * Names a side output (Flink's OutputTag): `ctx.output(tag, value)` sends a value there and
 * `stream.getSideOutput(tag)` reads it. Two tags with the same id are the same output.
 *
 * @example const late = new OutputTag<Click>('late-clicks');
 */
export class OutputTag<T> {
  declare readonly _type?: T;

  constructor(readonly id: string) {
    if (typeof id !== 'string' || id.length === 0) {
      throw new TypeError('An OutputTag needs a non-empty id string, e.g. new OutputTag<Event>("late").');
    }
  }

  getId(): string {
    return this.id;
  }

  equals(other: unknown): boolean {
    return other instanceof OutputTag && other.id === this.id;
  }

  toString(): string {
    return `OutputTag(${this.id})`;
  }
}
