import type { KeyedStateStore, StateFor } from '../graph/index.js';
import { PerWindowStateStore } from '../runtime/operators/window/window-contexts.js';
import { EVENT_TIME_DOMAIN, type KeyedStateBackend, type Namespace, PROCESSING_TIME_DOMAIN, type StateDescriptor } from '../state/index.js';
import { timersIn } from './keyed-split-reader.js';
import type { WindowReaderContext } from './window-reader-function.js';

/**
 * The context of `readWindow`, reused for every window of a split, pointed at the window being
 * read: the trigger's state and the window function's per-window state in the window's
 * namespace (for sessions, the session's, where the trigger keeps it), the key's global state,
 * and the key's timers in that namespace, which are the trigger's and the window's cleanup timer.
 */
export class WindowReaderContextImpl<W> implements WindowReaderContext<W> {
  private current!: W;
  private namespace: Namespace = 0;
  private timers: readonly unknown[] | undefined;
  private readonly perWindow: PerWindowStateStore;

  constructor(
    private readonly backend: KeyedStateBackend,
    private readonly global: KeyedStateStore,
    merging: boolean,
  ) {
    this.perWindow = new PerWindowStateStore(backend, merging);
  }

  /** Points the context at `window` (namespace `namespace`) of the current key, whose stored timers are `timers`. */
  set(window: W, namespace: Namespace, timers: readonly unknown[] | undefined): void {
    this.current = window;
    this.namespace = namespace;
    this.timers = timers;
  }

  window(): W {
    return this.current;
  }

  triggerState<D extends StateDescriptor>(descriptor: D): StateFor<D> {
    // The backend keeps one state per name, and checks a second descriptor of it against the first.
    const s = this.backend.getOrCreateNamespacedState(descriptor);
    s.setCurrentNamespace(this.namespace);
    return s.state as StateFor<D>;
  }

  windowState(): KeyedStateStore {
    this.perWindow.namespace = this.namespace;
    return this.perWindow;
  }

  globalState(): KeyedStateStore {
    return this.global;
  }

  registeredEventTimeTimers(): number[] {
    return timersIn(this.timers, EVENT_TIME_DOMAIN, this.namespace);
  }

  registeredProcessingTimeTimers(): number[] {
    return timersIn(this.timers, PROCESSING_TIME_DOMAIN, this.namespace);
  }
}
