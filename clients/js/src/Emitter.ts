// A minimal typed event emitter: the SDK has no runtime dependencies, and Node's
// EventEmitter does not exist in browsers. A handler that throws is reported to the
// `onHandlerError` hook instead of breaking the dispatch loop (one buggy listener must not
// stop the others, nor the client's own bookkeeping that follows the emit).

export type Handler<T> = (event: T) => void;

export class Emitter<Events extends Record<string, unknown>> {
  private handlers = new Map<keyof Events, Set<Handler<never>>>();

  constructor(private readonly onHandlerError: (error: unknown) => void = reportLater) {}

  /** Adds a handler; returns a function that removes it. */
  on<K extends keyof Events>(event: K, handler: Handler<Events[K]>): () => void {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    set.add(handler as Handler<never>);
    return () => this.off(event, handler);
  }

  /** Adds a handler that runs at most once. */
  once<K extends keyof Events>(event: K, handler: Handler<Events[K]>): () => void {
    const off = this.on(event, (value) => {
      off();
      handler(value);
    });
    return off;
  }

  off<K extends keyof Events>(event: K, handler: Handler<Events[K]>): void {
    this.handlers.get(event)?.delete(handler as Handler<never>);
  }

  protected emit<K extends keyof Events>(event: K, value: Events[K]): void {
    const set = this.handlers.get(event);
    if (!set) return;
    for (const handler of [...set]) {
      try {
        (handler as Handler<Events[K]>)(value);
      } catch (error) {
        this.onHandlerError(error);
      }
    }
  }

  protected listenerCount(event: keyof Events): number {
    return this.handlers.get(event)?.size ?? 0;
  }
}

// Rethrown outside the dispatch so that it shows up as an uncaught error (console,
// window.onerror, process 'uncaughtException') without interrupting the client.
function reportLater(error: unknown): void {
  setTimeout(() => {
    throw error;
  }, 0);
}
