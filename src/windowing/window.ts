/**
 * A window: a group of elements that a trigger evaluates together (Flink's Window). Windows are
 * values; two equal windows are the same window.
 */
import { FlinkError } from '../util/errors.js';

export abstract class Window {
  /** The largest timestamp that still belongs to this window. */
  abstract maxTimestamp(): number;
  abstract equals(other: unknown): boolean;
}

/**
 * A window's identity as a primitive: the state namespace its contents, trigger state and
 * timers are kept under, and its plain-data form in snapshots.
 */
export type WindowNamespace = number | string;

/**
 * Turns an assigner's windows into namespaces and back (the role of Flink's window
 * serializer). `fromNamespace` is the inverse of `toNamespace`; it reads data (it may come from
 * a snapshot), checks it, and never runs code.
 */
export interface WindowSerializer<W extends Window> {
  /**
   * Names the encoding, e.g. `TimeWindow.start/5000`. Namespaces written under one id mean
   * nothing under another, so the window operator records it with its contents' state (see
   * runtime's WindowContentsSerializer), where a restore and the State Processor API's window
   * reader check it (graph's window-encoding.ts).
   */
  readonly id: string;
  toNamespace(window: W): WindowNamespace;
  /** The window of `namespace`; a {@link WindowDataError} if `toNamespace` cannot have produced it. */
  fromNamespace(namespace: unknown): W;
}

/** Window data that does not decode: a corrupt snapshot, or one written by another assigner. */
export class WindowDataError extends FlinkError {
  constructor(message: string) {
    super('state.badWindow', message);
  }
}
