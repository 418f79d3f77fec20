/**
 * An order-free digest of a multiset of rows: their number and two sums of 32-bit hashes of
 * their JSON lines. Equal multisets give equal digests whatever the order; a row lost, repeated
 * or changed changes it. Lets a bench compare millions of rows without keeping them.
 */
export class RowDigest {
  private count = 0;
  private sumA = 0;
  private sumB = 0;

  add(row: object): void {
    const line = JSON.stringify(row);
    // FNV-1a, and a second hash with another basis and multiplier, over UTF-16 code units.
    let a = 0x811c9dc5;
    let b = 0x2545f491;
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
    }
    this.count++;
    this.sumA = (this.sumA + (a >>> 0)) >>> 0;
    this.sumB = (this.sumB + (b >>> 0)) >>> 0;
  }

  addAll(rows: Iterable<object>): this {
    for (const r of rows) this.add(r);
    return this;
  }

  get rows(): number {
    return this.count;
  }

  /** `rows:hashA:hashB`, comparable with `===`. */
  toString(): string {
    return `${this.count}:${this.sumA.toString(16)}:${this.sumB.toString(16)}`;
  }
}
