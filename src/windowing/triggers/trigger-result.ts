/** What a trigger decides for a window (Flink's TriggerResult). */
export class TriggerResult {
  /** Nothing happens. */
  static readonly CONTINUE = new TriggerResult('CONTINUE', false, false);
  /** The window function runs on the contents; they are kept. */
  static readonly FIRE = new TriggerResult('FIRE', true, false);
  /** The contents are cleared without evaluation. */
  static readonly PURGE = new TriggerResult('PURGE', false, true);
  /** The window function runs, then the contents are cleared. */
  static readonly FIRE_AND_PURGE = new TriggerResult('FIRE_AND_PURGE', true, true);

  private constructor(
    readonly name: 'CONTINUE' | 'FIRE' | 'PURGE' | 'FIRE_AND_PURGE',
    private readonly fire: boolean,
    private readonly purge: boolean,
  ) {}

  isFire(): boolean {
    return this.fire;
  }

  isPurge(): boolean {
    return this.purge;
  }

  toString(): string {
    return this.name;
  }
}
