/** A bench measured something other than what it names: its figures must not be reported. */
export class BenchCheckError extends Error {
  override readonly name = 'BenchCheckError';
}

const n = (v: number) => v.toLocaleString('en-US');

/**
 * The claims a bench makes about what it measured ("the incremental checkpoint was a delta of
 * 10,000 keys"). A claim that holds is remembered (and printed with the figures); one that does
 * not throws a BenchCheckError naming the bench, the claim and what was observed.
 */
export class Checks {
  private readonly held = new Set<string>();

  constructor(private readonly bench: string) {}

  /** `claim` holds when `ok`; otherwise `observed` says what was seen instead. */
  that(ok: boolean, claim: string, observed = 'it does not'): void {
    if (!ok) throw new BenchCheckError(`bench ${this.bench}: ${claim}: ${observed}`);
    this.held.add(claim);
  }

  equal(actual: number | string, expected: number | string, what: string): void {
    const show = (v: number | string) => (typeof v === 'number' ? n(v) : v);
    this.that(actual === expected, `${what} is ${show(expected)}`, `it is ${show(actual)}`);
  }

  atLeast(actual: number, min: number, what: string): void {
    this.that(actual >= min, `${what} is at least ${n(min)}`, `it is ${n(actual)}`);
  }

  /** The claims that held, in the order first made. */
  passed(): string[] {
    return [...this.held];
  }
}
