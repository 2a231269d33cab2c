// The shapes of ClusterNode's library API beyond publishing: start() options, the handler API
// (on/off/once/events over the EventDispatcher), and the queue behind node.events(decl) (async
// iteration of typed events, as nats.js iterates a subscription).
import { EventEmitter } from "node:events";
import type { EventDecl } from "../codec/broker/typed.js";
import { EventDispatcher, type DispatchHooks } from "./dispatcher.js";
import type { AnyEventHandler, ClusterNodeEvents } from "./node-types.js";

export interface StartOptions {
  /** Aborts waiting for the broker: start() rejects with the signal's reason and the node closes. */
  signal?: AbortSignal;
  /** Fails start() with an error naming the broker endpoints when not ready to publish by then. */
  timeoutMs?: number;
}

/**
 * Waits until `ready(signal)` resolves, within `options`: an abort rejects with the signal's
 * reason, a timeout with the error `timedOut` describes.
 */
export async function readyWithin(ready: (signal?: AbortSignal) => Promise<void>, options: StartOptions, timedOut: (ms: number) => string): Promise<void> {
  const { timeoutMs, signal } = options;
  try {
    await ready(timeoutMs === undefined ? signal : AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(signal ? [signal] : [])]));
  } catch (e) {
    if (timeoutMs === undefined || !(e instanceof DOMException && e.name === "TimeoutError") || signal?.aborted) throw e;
    throw new Error(timedOut(timeoutMs), { cause: e });
  }
}

export interface EventsOptions {
  /** Ends the iteration when aborted. */
  signal?: AbortSignal;
  /** Events kept for a loop that has not taken them yet; further ones are dropped (counted). @default 10000 */
  maxQueued?: number;
}

/** @internal A bounded FIFO of received argument tuples, read by one async iterator. */
export class EventQueue<A> {
  private items: A[] = [];
  private head = 0;
  private waiter: ((r: IteratorResult<A>) => void) | undefined;
  private ended = false;

  constructor(
    private readonly max: number,
    private readonly dropped: () => void,
  ) {}

  push(item: A): void {
    if (this.ended) return;
    const w = this.waiter;
    if (w !== undefined) {
      this.waiter = undefined;
      w({ value: item, done: false });
    } else if (this.items.length - this.head >= this.max) this.dropped();
    else this.items.push(item);
  }

  end(): void {
    this.ended = true;
    const w = this.waiter;
    this.waiter = undefined;
    w?.({ value: undefined, done: true });
  }

  /** The iterator; `done` runs once when it ends (break, return, abort or end()). */
  iterate(signal: AbortSignal | undefined, done: () => void): AsyncIterableIterator<A> {
    let finished = false;
    const finish = (): IteratorResult<A> => {
      if (!finished) {
        finished = true;
        signal?.removeEventListener("abort", finish);
        done();
      }
      return { value: undefined, done: true };
    };
    if (signal?.aborted) finish();
    else signal?.addEventListener("abort", finish, { once: true });
    const it: AsyncIterableIterator<A> = {
      next: () => {
        if (this.head < this.items.length) {
          const value = this.items[this.head++]!;
          if (this.head > 1024 && this.head * 2 > this.items.length) {
            this.items = this.items.slice(this.head);
            this.head = 0;
          }
          return Promise.resolve({ value, done: false });
        }
        if (this.ended || finished) return Promise.resolve(finish());
        return new Promise((resolve) => (this.waiter = resolve));
      },
      return: () => Promise.resolve(finish()),
      [Symbol.asyncIterator]: () => it,
    };
    return it;
  }
}

/** @internal The dispatcher's reports, and events() dropping what its loop had no room for. */
export interface HandlerReports extends DispatchHooks {
  eventsDropped(name: string, max: number): void;
}

/**
 * The handler API of a ClusterNode over its EventDispatcher: on/off/once for typed Zeek
 * events (and the node's own events by name), events() as async iteration, handlers of any
 * event. Testable without sockets: feed `dispatcher.dispatch()` messages built in memory.
 */
export abstract class NodeHandlers extends EventEmitter<ClusterNodeEvents> {
  /** @internal */
  protected readonly dispatcher: EventDispatcher;
  private readonly onceWrappers = new WeakMap<object, (...args: never[]) => unknown>();

  /** @internal What the dispatcher and events() report to the node (read when they report, not at construction). */
  protected abstract readonly reports: HandlerReports;

  constructor() {
    super();
    this.dispatcher = new EventDispatcher({
      incoming: (topic, name) => this.reports.incoming(topic, name),
      undecodable: (topic, format, sender, e) => this.reports.undecodable(topic, format, sender, e),
      handlerFailed: (name, e) => this.reports.handlerFailed(name, e),
      discovery: (name, format, payload, event, msg) => this.reports.discovery?.(name, format, payload, event, msg) ?? false,
    });
  }

  /** Handles `decl` events: `handler(...args)` with the declared JS types. May return a promise. */
  on<A extends readonly unknown[]>(decl: EventDecl<A>, handler: (...args: NoInfer<A>) => unknown): this;
  on<K extends keyof ClusterNodeEvents>(event: K, listener: (...args: ClusterNodeEvents[K]) => void): this;
  on(what: unknown, handler: (...args: never[]) => unknown): this {
    if (typeof what === "string" || typeof what === "symbol") return super.on(what as keyof ClusterNodeEvents, handler as never);
    this.dispatcher.add(what as EventDecl<readonly unknown[]>, handler);
    return this;
  }

  /** Removes a handler added with on(decl, handler) or once(decl, handler). */
  off<A extends readonly unknown[]>(decl: EventDecl<A>, handler: (...args: NoInfer<A>) => unknown): this;
  off<K extends keyof ClusterNodeEvents>(event: K, listener: (...args: ClusterNodeEvents[K]) => void): this;
  off(what: unknown, handler: (...args: never[]) => unknown): this {
    if (typeof what === "string" || typeof what === "symbol") return super.off(what as keyof ClusterNodeEvents, handler as never);
    const decl = what as EventDecl<readonly unknown[]>;
    this.dispatcher.remove(decl, (this.onceWrappers.get(handler) ?? handler) as never);
    return this;
  }

  /** Handles the next `decl` event only. */
  once<A extends readonly unknown[]>(decl: EventDecl<A>, handler: (...args: NoInfer<A>) => unknown): this;
  once<K extends keyof ClusterNodeEvents>(event: K, listener: (...args: ClusterNodeEvents[K]) => void): this;
  once(what: unknown, handler: (...args: never[]) => unknown): this {
    if (typeof what === "string" || typeof what === "symbol") return super.once(what as keyof ClusterNodeEvents, handler as never);
    const decl = what as EventDecl<readonly unknown[]>;
    const wrapper = (...args: never[]) => {
      this.dispatcher.remove(decl, wrapper);
      this.onceWrappers.delete(handler);
      return (handler as (...a: never[]) => unknown)(...args);
    };
    this.onceWrappers.set(handler, wrapper);
    this.dispatcher.add(decl, wrapper);
    return this;
  }

  /**
   * The `decl` events as an async iterable of their argument tuples, until `signal` aborts, the
   * loop breaks or the node closes: `for await (const [a, b] of node.events(decl)) ...`. Events
   * the loop has not taken yet wait in a queue of at most `maxQueued` (default 10000); beyond it
   * they are dropped and counted in zeek_cluster_zeromq_onloop_drops_total.
   */
  events<A extends readonly unknown[]>(decl: EventDecl<A>, options: EventsOptions = {}): AsyncIterableIterator<A> {
    const q = new EventQueue<A>(options.maxQueued ?? 10_000, () => {
      this.reports.eventsDropped(decl.name, options.maxQueued ?? 10_000);
    });
    const handler = (...args: A) => q.push(args);
    this.dispatcher.add(decl as EventDecl<readonly unknown[]>, handler as never);
    const done = () => {
      this.dispatcher.remove(decl as EventDecl<readonly unknown[]>, handler as never);
      this.off("closed", done);
      q.end();
    };
    super.on("closed", done);
    return q.iterate(options.signal, done);
  }

  /** Handles every event received, self-describing (tools such as `zeek-zmq tap`). */
  onAnyEvent(handler: AnyEventHandler): this {
    this.dispatcher.addAny(handler);
    return this;
  }

  offAnyEvent(handler: AnyEventHandler): this {
    this.dispatcher.removeAny(handler);
    return this;
  }
}
