// Base of every socket type: bind/connect (several of each), reconnect with backoff, pipes,
// fair-queued receive (zeromq.js-style async receive() and iteration for applications, a
// synchronous batch take for hot readers), coalesced flushing, linger on close and monitoring events.
import { EventEmitter, once } from "node:events";
import { existsSync, lstatSync, unlinkSync } from "node:fs";
import { type AddressInfo, type Server, type Socket as NetSocket, connect as netConnect, createServer } from "node:net";
import { ConfigError, DecodeError, ZeekZmqError } from "../errors.js";
import { Connection as AnyConnection } from "./connection.js";
import { HandshakeError } from "./mechanism.js";
import { type Endpoint, bindHost, checkFamily, formatEndpoint, parseEndpoint } from "./endpoint.js";
import { type ResolvedOptions, type SocketOptions, resolveOptions } from "./options.js";
import { watchDescriptors } from "./descriptors.js";
import type { LimitEvent, LimitReason } from "./limits.js";
import type { PackedMessage } from "./packed.js";
import { type Message, type OutgoingMessage, Pipe, Queue } from "./pipe.js";

/** A connection whose pipe is one of ours. */
type Connection = AnyConnection<Pipe>;
import type { SocketType } from "./types.js";

/** A pipe flushes inline once this many messages are queued, instead of waiting for the next turn. */
const EAGER_FLUSH = 256;
/** At maxConnections, peers silent for this long (or idlePingInterval if shorter) are PINGed at once. */
const URGENT_IDLE_MS = 1000;

/**
 * receive() on a closed socket that holds no more received messages, and what a receive()
 * still waiting when close() is called rejects with. `code` is zeromq.js's for the same case.
 */
export class SocketClosedError extends ZeekZmqError {
  override name = "SocketClosedError";
  readonly code = "EBADF";
  constructor(
    /** The socket's type, e.g. "SUB". */
    readonly socketType: SocketType,
  ) {
    super(`receive(): the ${socketType} socket is closed and holds no more messages`);
  }
}

/** A pending receive(). */
interface Waiter {
  resolve(msg: Message): void;
  reject(err: Error): void;
}

/** Monitoring events (libzmq's ZMQ_EVENT_*), typed. `endpoint` is the bind/connect endpoint. */
export interface SocketEvents {
  listening: [{ endpoint: string }];
  accepted: [{ endpoint: string; remote: string }];
  connected: [{ endpoint: string; remote: string }];
  "connect:delayed": [{ endpoint: string; error: Error }];
  "connect:retry": [{ endpoint: string; delayMs: number }];
  handshake: [{ endpoint: string; remote: string; peerSocketType: string }];
  "handshake:error": [{ endpoint: string; remote: string; error: Error }];
  disconnected: [{ endpoint: string; remote: string; error?: Error }];
  /** A peer hit a resource limit: it was refused or disconnected (see LimitReason). */
  limit: [LimitEvent];
  /** The process ran out of file descriptors: new connections to `endpoint` are being closed unanswered. */
  "accept:error": [{ endpoint: string; error: Error }];
  /** Descriptors are free again after "accept:error": connections are accepted again. */
  "accept:resumed": [{ endpoint: string }];
  /** Messages became available after the socket had none. */
  readable: [];
  /** A send that would have blocked can be retried: some peer has room again. */
  drain: [];
  close: [];
}

interface Connector {
  endpoint: Endpoint;
  text: string;
  /** Persistent pipe (immediate=false) that outlives reconnects. */
  pipe: Pipe | null;
  conn: Connection | null;
  pending: NetSocket | null;
  timer: NodeJS.Timeout | null;
  delay: number;
  /** Set while close() waits (linger) for this endpoint to connect and deliver its queued messages. */
  lingerDone: (() => void) | null;
}

/**
 * A ZeroMQ socket over ZMTP 3.1, shaped like zeromq.js v6: `bind()`, `connect()`, `send()` (in
 * the subclasses), `await receive()`, `for await (const msg of sock)`, `close()`, and the
 * monitoring events of {@link SocketEvents}. Hot readers take what is queued in batches
 * (`receivePacked()` / `receiveAvailable()` on "readable"), with no promise per message.
 */
export abstract class ZmtpSocket extends EventEmitter<SocketEvents> {
  abstract readonly type: SocketType;
  /** @internal */
  protected readonly opts: ResolvedOptions;
  /** Attached pipes, in attach order (the round-robin / distribution set). @internal */
  protected readonly pipes: Pipe[] = [];
  /** Pipes with inbound messages, for fair queueing. */
  private readonly readers: Pipe[] = [];
  private rr = 0;
  private pendingIn = 0;
  private readablePending = false;
  private readonly dirty: Pipe[] = [];
  private flushScheduled = false;
  private readonly servers: { server: Server; endpoint: string }[] = [];
  private readonly connectors: Connector[] = [];
  private readonly connections = new Set<Connection>();
  private readonly connEndpoint = new Map<Connection, { text: string; connector: Connector | null }>();
  /** Accepted connections still in their handshake, oldest first (for maxPendingHandshakes). */
  private readonly pendingAccepted = new Set<Connection>();
  private acceptedCount = 0;
  private idleTimer: NodeJS.Timeout | null = null;
  private lastUrgentProbe = -Infinity;
  private unwatchDescriptors: (() => void) | null = null;
  private lingerDeadline = Infinity;
  private closing: Promise<void> | null = null;
  /** receive() calls waiting for a message, served in call order. */
  private readonly waiters = new Queue<Waiter>();
  /** The mechanism's preparation (CURVE loads libsodium); bind and dial wait for it. */
  private readonly prepared: Promise<void> | undefined;

  constructor(options: SocketOptions = {}) {
    super();
    this.opts = resolveOptions(options);
    this.prepared = this.opts.mechanism.prepare?.();
    options.signal?.addEventListener("abort", () => void this.close(), { once: true });
  }

  /** True once close() was called. */
  get closed(): boolean {
    return this.closing !== null;
  }

  /** Number of received messages waiting to be taken. */
  get pending(): number {
    return this.pendingIn;
  }

  // ---- socket-type hooks -------------------------------------------------------------------

  // These and the connection callbacks below are @internal: socket types are written inside
  // src/transport, so the published declarations show users only what they call.

  /** A pipe joined the socket (a completed connection, or a connect endpoint without `immediate`). @internal */
  protected abstract pipeAttached(pipe: Pipe): void;
  /** A pipe left the socket for good. @internal */
  protected abstract pipeDetached(pipe: Pipe): void;
  /** A message from a peer. Default: queue it for receive(). @internal */
  protected pipeMessage(pipe: Pipe, msg: PackedMessage): void {
    this.queueInbound(pipe, msg);
  }

  /** A pipe's connection completed its handshake (also after a reconnect of a persistent pipe). @internal */
  protected pipeConnected(_pipe: Pipe): void {}

  // ---- bind / connect ----------------------------------------------------------------------

  /** Binds and listens; resolves with the real endpoint (the port chosen when port 0 / * was given). */
  async bind(endpoint: string): Promise<string> {
    this.assertOpen();
    const ep = parseEndpoint(endpoint, "bind");
    if (this.prepared) await this.prepared;
    const server = createServer({ noDelay: true }, (sock) => this.accept(sock, real));
    let real: string;
    if (ep.transport === "ipc") {
      // libzmq unlinks a stale socket file before binding.
      if (existsSync(ep.path) && lstatSync(ep.path).isSocket()) unlinkSync(ep.path);
      server.listen(ep.path);
    } else {
      server.listen({ host: bindHost(ep, this.opts.ipv6), port: ep.port, ipv6Only: false });
    }
    try {
      await once(server, "listening");
    } catch (err) {
      throw new ConfigError("bind", `cannot bind ${endpoint}: ${(err as Error).message}`, { cause: err });
    }
    if (ep.transport === "ipc") real = formatEndpoint(ep);
    else {
      const addr = server.address() as AddressInfo;
      real = formatEndpoint({ transport: "tcp", host: addr.address, port: addr.port });
    }
    if (this.closed) {
      server.close();
      throw new ConfigError("bind", "socket was closed while binding");
    }
    // Accept errors other than running out of descriptors (which libuv hides, see descriptors.ts).
    server.on("error", (error) => this.emit("accept:error", { endpoint: real, error }));
    this.servers.push({ server, endpoint: real });
    this.startWatching();
    this.emit("listening", { endpoint: real });
    return real;
  }

  /** Starts connecting (and keeps reconnecting) to `endpoint`; returns at once, like zmq_connect. */
  connect(endpoint: string): void {
    this.assertOpen();
    const ep = parseEndpoint(endpoint, "connect");
    if (ep.transport === "tcp") {
      if (ep.host === "*" || ep.port === 0) throw new ConfigError("connect", `"${endpoint}": connect needs a concrete host and port`);
      checkFamily(ep.host, this.opts.ipv6);
    }
    const c: Connector = { endpoint: ep, text: endpoint, pipe: null, conn: null, pending: null, timer: null, delay: this.opts.reconnectInterval, lingerDone: null };
    this.connectors.push(c);
    if (!this.opts.immediate) {
      c.pipe = this.newPipe();
      this.attach(c.pipe);
    }
    if (this.prepared) void this.prepared.then(() => this.closed || this.dial(c));
    else this.dial(c);
  }

  private dial(c: Connector): void {
    const ep = c.endpoint;
    const sock =
      ep.transport === "ipc"
        ? netConnect({ path: ep.path })
        : netConnect({ host: ep.host, port: ep.port, family: this.opts.ipv6 ? 0 : 4, noDelay: true });
    c.pending = sock;
    const onError = (err: Error): void => {
      c.pending = null;
      this.emit("connect:delayed", { endpoint: c.text, error: err });
      this.scheduleReconnect(c);
    };
    sock.once("error", onError);
    sock.once("connect", () => {
      sock.off("error", onError);
      c.pending = null;
      if (this.closed && c.lingerDone === null) {
        sock.destroy();
        return;
      }
      const remote = ep.transport === "ipc" ? c.text : `${sock.remoteAddress}:${sock.remotePort}`;
      const conn = this.newConnection(sock, remote, false, c.text, c);
      c.conn = conn;
      this.emit("connected", { endpoint: c.text, remote });
    });
  }

  /** The idle sweep and the descriptor watch, once this socket listens. */
  private startWatching(): void {
    const o = this.opts;
    if (this.idleTimer === null && o.idlePingInterval > 0 && o.heartbeatInterval === 0) {
      const period = Math.max(20, Math.min(5000, Math.min(o.idlePingInterval, o.idlePingTimeout) / 4));
      this.idleTimer = setInterval(() => this.sweepIdle(o.idlePingInterval), period);
      this.idleTimer.unref();
    }
    this.unwatchDescriptors ??= watchDescriptors((exhausted, error) => {
      for (const { endpoint } of this.servers) {
        if (exhausted) this.emit("accept:error", { endpoint, error: error! });
        else this.emit("accept:resumed", { endpoint });
      }
    });
  }

  /** Runs every accepted connection's idle probe (heartbeats, when configured, do this job instead). */
  private sweepIdle(interval: number): void {
    const now = performance.now();
    const timeout = this.opts.idlePingTimeout;
    for (const conn of this.connections) if (this.connEndpoint.get(conn)?.connector === null) conn.idleCheck(now, interval, timeout);
  }

  /** Reports a peer that hit a limit (the connection's remote address names it). @internal */
  protected limitHit(conn: Connection, reason: LimitReason, detail: string): void {
    const endpoint = this.connEndpoint.get(conn)?.text ?? "";
    this.emit("limit", { endpoint, remote: conn.remote, reason, detail });
  }

  private scheduleReconnect(c: Connector): void {
    if ((this.closed && c.lingerDone === null) || this.opts.reconnectInterval < 0) return;
    const delay = c.delay;
    const max = this.opts.reconnectIntervalMax;
    if (max > this.opts.reconnectInterval) c.delay = Math.min(max, c.delay * 2);
    this.emit("connect:retry", { endpoint: c.text, delayMs: delay });
    c.timer = setTimeout(() => {
      c.timer = null;
      if (!this.closed || c.lingerDone !== null) this.dial(c);
    }, delay);
  }

  private accept(sock: NetSocket, endpoint: string): void {
    if (this.closed) {
      sock.destroy();
      return;
    }
    const remote = sock.remoteAddress !== undefined ? `${sock.remoteAddress}:${sock.remotePort}` : endpoint;
    const o = this.opts;
    if (o.maxConnections > 0 && this.acceptedCount >= o.maxConnections) {
      sock.destroy();
      const detail = `refused ${remote}: this socket already has ${this.acceptedCount} accepted connections (maxConnections)`;
      this.emit("handshake:error", { endpoint, remote, error: new HandshakeError("limit", detail, { limit: "max_connections" }) });
      this.emit("limit", { endpoint, remote, reason: "max_connections", detail });
      // Slots held by silent peers are freed within idlePingTimeout: PING them now, not at the next interval.
      const now = performance.now();
      if (o.idlePingInterval > 0 && o.heartbeatInterval === 0 && now - this.lastUrgentProbe >= o.idlePingTimeout) {
        this.lastUrgentProbe = now;
        this.sweepIdle(Math.min(o.idlePingInterval, URGENT_IDLE_MS));
      }
      return;
    }
    if (o.maxPendingHandshakes > 0 && this.pendingAccepted.size >= o.maxPendingHandshakes) {
      // Evict the oldest: idle connections cannot lock out a peer that completes its handshake.
      const oldest = this.pendingAccepted.values().next().value!;
      this.pendingAccepted.delete(oldest);
      oldest.fail(new HandshakeError("limit", `dropped ${oldest.remote}: more than ${o.maxPendingHandshakes} connections in their handshake (maxPendingHandshakes); it was the oldest`, { limit: "max_pending_handshakes" }));
    }
    const conn = this.newConnection(sock, remote, true, endpoint, null);
    this.acceptedCount++;
    this.pendingAccepted.add(conn);
    this.emit("accepted", { endpoint, remote });
  }

  private newConnection(sock: NetSocket, remote: string, asServer: boolean, endpoint: string, connector: Connector | null): Connection {
    const o = this.opts;
    const conn = new AnyConnection<Pipe>(
      sock,
      remote,
      {
        socketType: this.type,
        mechanism: o.mechanism,
        asServer,
        maxMessageSize: o.maxMessageSize,
        maxHandshakeBytes: o.maxHandshakeBytes,
        handshakeInterval: o.handshakeInterval,
        heartbeatInterval: o.heartbeatInterval,
        heartbeatTimeout: o.heartbeatTimeout,
        heartbeatTtl: o.heartbeatTtl,
      },
      this,
    );
    this.connections.add(conn);
    this.connEndpoint.set(conn, { text: endpoint, connector });
    return conn;
  }

  private newPipe(): Pipe {
    return new Pipe(this.opts.sendHighWaterMark, this.opts.receiveHighWaterMark);
  }

  private attach(pipe: Pipe): void {
    this.pipes.push(pipe);
    this.pipeAttached(pipe);
  }

  private detach(pipe: Pipe): void {
    const i = this.pipes.indexOf(pipe);
    if (i >= 0) this.pipes.splice(i, 1);
    pipe.out.clear();
    this.pipeDetached(pipe);
    this.onReadDone();
    // A sender waiting for this pipe to drain must not wait forever.
    if (pipe.blocked) this.emit("drain");
  }

  // ---- ConnectionOwner (the connection's callbacks; `this` is passed as its owner) -----------

  /** @internal */
  onHandshake(conn: Connection): void {
    const info = this.connEndpoint.get(conn)!;
    const c = info.connector;
    this.pendingAccepted.delete(conn);
    let pipe: Pipe;
    if (c !== null && c.pipe !== null) {
      pipe = c.pipe;
    } else {
      pipe = this.newPipe();
      this.attach(pipe);
    }
    if (c !== null) c.delay = this.opts.reconnectInterval;
    pipe.accepted = c === null;
    pipe.conn = conn;
    conn.pipe = pipe;
    if (pipe.inboundFull) conn.pause();
    this.emit("handshake", { endpoint: info.text, remote: conn.remote, peerSocketType: conn.peerSocketType });
    this.pipeConnected(pipe);
    if (c !== null && c.lingerDone !== null) {
      // close() was waiting for this endpoint: deliver what is queued, then finish.
      const done = c.lingerDone;
      const left = this.lingerDeadline - performance.now();
      conn.close(this.opts.linger < 0 ? -1 : Math.max(1, Math.round(left))).then(() => done(), done);
    }
  }

  /** @internal */
  onMessage(conn: Connection, msg: PackedMessage): void {
    this.pipeMessage(conn.pipe!, msg);
  }

  /** @internal */
  onDrain(conn: Connection): void {
    const pipe = conn.pipe;
    if (pipe === null || !pipe.blocked) return;
    pipe.blocked = false;
    this.emit("drain");
  }

  /** @internal */
  onClosed(conn: Connection, error: Error | undefined, handshakeDone: boolean): void {
    this.connections.delete(conn);
    const info = this.connEndpoint.get(conn)!;
    this.connEndpoint.delete(conn);
    this.pendingAccepted.delete(conn);
    if (info.connector === null) this.acceptedCount--;
    const pipe = conn.pipe;
    const limit = error instanceof HandshakeError ? error.limit : error instanceof DecodeError && error.code === "too-large" ? "max_message_size" : undefined;
    if (limit !== undefined) this.emit("limit", { endpoint: info.text, remote: conn.remote, reason: limit, detail: error!.message });
    if (!handshakeDone && error !== undefined) this.emit("handshake:error", { endpoint: info.text, remote: conn.remote, error });
    if (handshakeDone) this.emit("disconnected", { endpoint: info.text, remote: conn.remote, ...(error ? { error } : {}) });
    if (pipe !== null) {
      pipe.conn = null;
      pipe.subs = null;
      pipe.replay = null;
      conn.pipe = null;
      const c = info.connector;
      if (c === null || c.pipe !== pipe) this.detach(pipe);
    }
    const c = info.connector;
    if (c !== null) {
      c.conn = null;
      this.scheduleReconnect(c);
    }
  }

  // ---- outbound ----------------------------------------------------------------------------

  /**
   * Queues `msg` on `pipe` (caller checked the HWM) and arranges a flush. `msg` came through
   * toOutgoing() (at least one frame, bytes only) or was made here. @internal
   */
  protected enqueue(pipe: Pipe, msg: OutgoingMessage): void {
    pipe.out.push(msg);
    const conn = pipe.conn;
    if (conn === null) return;
    if (pipe.out.length >= EAGER_FLUSH) {
      conn.flush();
      return;
    }
    this.scheduleFlush(pipe);
  }

  /** Arranges for `pipe`'s connection to be flushed on the next turn. @internal */
  protected scheduleFlush(pipe: Pipe): void {
    if (!pipe.dirty) {
      pipe.dirty = true;
      this.dirty.push(pipe);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        process.nextTick(this.flushDirty);
      }
    }
  }

  private readonly flushDirty = (): void => {
    this.flushScheduled = false;
    const list = this.dirty.splice(0);
    for (const pipe of list) {
      pipe.dirty = false;
      pipe.conn?.flush();
    }
  };

  /** Marks a would-block so the next drain emits "drain". @internal */
  protected blocked(pipe: Pipe): void {
    pipe.blocked = true;
  }

  // ---- inbound -----------------------------------------------------------------------------

  /** Queues a received message; "readable" is signalled once per network read, not per message. @internal */
  protected queueInbound(pipe: Pipe, msg: PackedMessage): void {
    if (pipe.in.length === 0) this.readers.push(pipe);
    pipe.in.push(msg);
    if (this.pendingIn++ === 0) this.readablePending = true;
    if (pipe.conn !== null && pipe.inboundFull) pipe.conn.pause();
  }

  /**
   * A network read was fully processed: pending receive() calls take the new messages first
   * (in call order), then "readable" is emitted if any are left. @internal
   */
  onReadDone(): void {
    if (this.readablePending) {
      this.readablePending = false;
      if (this.waiters.length > 0) this.serveWaiters();
      if (this.pendingIn > 0) this.emit("readable");
    }
  }

  /**
   * Resolves with the next received message (its frames), like zeromq.js: at once when one is
   * queued, else when one arrives. Several calls may wait at once and are served in call order
   * (zeromq.js allows one and throws EBUSY). After close(), messages received before it are
   * still returned; then it rejects with SocketClosedError, as does a call still waiting when
   * close() is called. One promise per message: hot readers use receivePacked() on "readable".
   */
  receive(): Promise<Message> {
    const msg = this.takeOne();
    if (msg !== undefined) return Promise.resolve(msg.frames());
    if (this.closed) return Promise.reject(new SocketClosedError(this.type));
    return new Promise<Message>((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /**
   * Received messages one at a time, as `for await (const msg of sock)` (zeromq.js): ends when
   * the socket is closed and holds no more messages; `break` just stops iterating.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<Message, void, undefined> {
    for (;;) {
      let msg: Message;
      try {
        msg = await this.receive();
      } catch (err) {
        if (err instanceof SocketClosedError) return;
        throw err;
      }
      yield msg;
    }
  }

  /**
   * Takes up to `max` of the messages already received, at once (synchronous; none waiting
   * gives an empty array), fair-queued across peers (one message per peer in turn), each as
   * its frames. For readers that take everything on "readable".
   */
  receiveAvailable(max = Infinity): Message[] {
    const packed = this.receivePacked(max);
    const out: Message[] = [];
    for (let i = 0; i < packed.length; i++) out.push(packed[i]!.frames());
    return out;
  }

  /** receiveAvailable() for hot readers: each message as spans of one buffer, no view per frame. */
  receivePacked(max = Infinity): PackedMessage[] {
    const out: PackedMessage[] = [];
    const readers = this.readers;
    while (out.length < max && readers.length > 0) {
      if (this.rr >= readers.length) this.rr = 0;
      const pipe = readers[this.rr]!;
      out.push(pipe.in.shift()!);
      if (pipe.in.length === 0) readers.splice(this.rr, 1);
      else if (readers.length > 1) this.rr++;
      if (pipe.conn !== null && pipe.inboundLow) pipe.conn.resume();
    }
    this.pendingIn -= out.length;
    return out;
  }

  /** The next message in fair-queue order (as receivePacked(1) takes it), or undefined. */
  private takeOne(): PackedMessage | undefined {
    const readers = this.readers;
    if (readers.length === 0) return undefined;
    if (this.rr >= readers.length) this.rr = 0;
    const pipe = readers[this.rr]!;
    const msg = pipe.in.shift()!;
    if (pipe.in.length === 0) readers.splice(this.rr, 1);
    else if (readers.length > 1) this.rr++;
    if (pipe.conn !== null && pipe.inboundLow) pipe.conn.resume();
    this.pendingIn--;
    return msg;
  }

  private serveWaiters(): void {
    const waiters = this.waiters;
    while (waiters.length > 0) {
      const msg = this.takeOne();
      if (msg === undefined) return;
      waiters.shift()!.resolve(msg.frames());
    }
  }

  /** Waits until at least one message is available (or the socket closes), then takes up to `max`. */
  async receiveBatch(max = Infinity, signal?: AbortSignal): Promise<Message[]> {
    while (this.pendingIn === 0) {
      if (this.closed) return [];
      signal?.throwIfAborted();
      await once(this, "readable", signal ? { signal } : {}).catch((err: unknown) => {
        if (!this.closed) throw err;
      });
      if (this.closed && this.pendingIn === 0) return [];
    }
    return this.receiveAvailable(max);
  }

  /** Async iteration of batches of up to `max` messages; ends when the socket closes or `signal` aborts. */
  async *batches(max = Infinity, signal?: AbortSignal): AsyncGenerator<Message[], void, undefined> {
    for (;;) {
      if (signal?.aborted) return;
      let batch: Message[];
      try {
        batch = await this.receiveBatch(max, signal);
      } catch (err) {
        if (signal?.aborted) return;
        throw err;
      }
      if (batch.length === 0) return;
      yield batch;
    }
  }

  // ---- close -------------------------------------------------------------------------------

  /** Closes every connection (honouring linger) and listener; resolves when all are closed. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    const waits: Promise<unknown>[] = [];
    // Stop accepting; not waiting for server.close()'s callback, which also waits for lingering
    // accepted sockets (closed below). libuv unlinks an ipc:// path itself.
    for (const { server } of this.servers) server.close();
    if (this.idleTimer !== null) clearInterval(this.idleTimer);
    this.unwatchDescriptors?.();
    const linger = this.opts.linger;
    this.lingerDeadline = linger < 0 ? Infinity : performance.now() + linger;
    const waiting = new Set<Connection>();
    for (const c of this.connectors) {
      if (linger !== 0 && c.pipe !== null && c.pipe.out.length > 0 && (c.conn === null || c.conn.state !== "ready")) {
        // libzmq keeps connecting until linger expires when messages wait for this endpoint.
        if (c.conn !== null) waiting.add(c.conn);
        waits.push(this.lingerConnector(c, linger));
        continue;
      }
      if (c.timer) clearTimeout(c.timer);
      c.pending?.destroy();
    }
    // Flush what is queued now, then close with linger.
    this.flushDirty();
    for (const conn of [...this.connections]) if (!waiting.has(conn)) waits.push(conn.close(linger));
    this.emit("readable"); // wake receiveBatch() waiters
    // Pending receive() calls: what is queued first, then the close.
    this.serveWaiters();
    for (let w = this.waiters.shift(); w !== undefined; w = this.waiters.shift()) w.reject(new SocketClosedError(this.type));
    await Promise.all(waits);
    for (const pipe of [...this.pipes]) this.detach(pipe);
    this.emit("close");
  }

  /** Resolves once `c` has connected and delivered its queue, or when linger (ms, -1 = forever) runs out. */
  private lingerConnector(c: Connector, linger: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      const done = (): void => {
        if (c.lingerDone === null) return;
        c.lingerDone = null;
        if (timer) clearTimeout(timer);
        if (c.timer) clearTimeout(c.timer);
        c.pending?.destroy();
        c.conn?.fail(new HandshakeError("timeout", `linger of ${linger} ms ran out before ${c.text} took the queued messages`));
        resolve();
      };
      c.lingerDone = done;
      if (linger > 0) timer = setTimeout(done, linger);
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new ConfigError("socket", "socket is closed");
  }
}
