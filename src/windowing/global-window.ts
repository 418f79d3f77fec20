/** The one window of `GlobalWindows` (Flink's GlobalWindow). */
import { MAX_TIMESTAMP } from '../util/time.js';
import { Window, WindowDataError, type WindowNamespace, type WindowSerializer } from './window.js';

/** The single window holding all elements of a key; it ends at the end of time. */
export class GlobalWindow extends Window {
  private static readonly INSTANCE = new GlobalWindow();

  /** The end of time (Flink's Long.MAX_VALUE), as for `maxTimestamp()`. */
  readonly end = MAX_TIMESTAMP;

  private constructor() {
    super();
  }

  static get(): GlobalWindow {
    return GlobalWindow.INSTANCE;
  }

  maxTimestamp(): number {
    return MAX_TIMESTAMP;
  }

  equals(other: unknown): boolean {
    return other instanceof GlobalWindow;
  }

  override toString(): string {
    return 'GlobalWindow';
  }
}

/** The global window's namespace is `0`. */
export class GlobalWindowSerializer implements WindowSerializer<GlobalWindow> {
  static readonly INSTANCE = new GlobalWindowSerializer();
  readonly id = 'GlobalWindow';
  toNamespace(_window: GlobalWindow): WindowNamespace {
    return 0;
  }
  fromNamespace(namespace: unknown): GlobalWindow {
    if (namespace !== 0) {
      throw new WindowDataError(`Window state holds ${String(namespace)}, which is not the global window's namespace (0); the snapshot is corrupt or was written by another window assigner.`);
    }
    return GlobalWindow.get();
  }
}
