// One ZMTP connection over a net.Socket: greeting -> mechanism handshake -> framing. Outbound
// messages are pulled from the attached pipe and coalesced into few large writes; inbound
// frames are parsed zero-copy and handed to the owner. Heartbeats (PING/PONG) per RFC 37.
import type { Socket as NetSocket } from "node:net";
import { DecodeError } from "../errors.js";
import { FLAG_COMMAND, FrameParser, type FrameSink, encodeCommand, encodeFrame, encodePing, headerSize, parsePing, writeHeader } from "./frame.js";
import { GREETING_SIZE, SIGNATURE_SIZE, checkSignature, encodeGreeting, parseGreeting } from "./greeting.js";
import { type FrameCodec, HandshakeError, type Mechanism, type MechanismSession } from "./mechanism.js";
import { Opener, sealCommand } from "./sealed.js";
import { flushPlain, flushSealed } from "./flush.js";
import { type OutboundPipe, PEER_HAS, WANT } from "./queue.js";
import { PackedMessage } from "./packed.js";
import { type SocketType, compatibleTypes } from "./types.js";
import { bytesAt } from "../bytes.js";
import { MESSAGE_NAME } from "./curve.js";

/** TTL 0, no context. */
const IDLE_PING = Buffer.from([0, 0]);
/** Bytes of commands per write when a subscription backlog is flushed. */
const COMMAND_BATCH = 64 * 1024;

/** Commands with Latin-1 string data encoded back to back and written in 64 KiB writes. */
class CommandBatch {
  private buf: Buffer | null = null;
  private pos = 0;
  constructor(private readonly socket: NetSocket) {}

  add(name: string, data: string): void {
    const body = 1 + name.length + data.length;
    const need = headerSize(body) + body;
    if (this.buf === null || this.pos + need > this.buf.length) {
      this.end();
      this.buf = Buffer.allocUnsafe(Math.max(COMMAND_BATCH, need));
    }
    const buf = this.buf;
    let pos = writeHeader(buf, this.pos, FLAG_COMMAND, body);
    buf[pos++] = name.length;
    pos += buf.write(name, pos, "latin1");
    pos += buf.write(data, pos, "latin1");
    this.pos = pos;
  }

  /** True once the socket pushes back (a batch is written whenever its buffer is full). */
  full(): boolean {
    return this.socket.writableNeedDrain;
  }

  end(): void {
    if (this.buf !== null && this.pos > 0) this.socket.write(this.buf.subarray(0, this.pos));
    this.buf = null;
    this.pos = 0;
  }
}
import { quoted } from "../printable.js";

export interface ConnectionOptions {
  socketType: SocketType;
  mechanism: Mechanism;
  /** True on the accepting side. */
  asServer: boolean;
  maxMessageSize: number;
  maxHandshakeBytes: number;
  handshakeInterval: number;
  heartbeatInterval: number;
  heartbeatTimeout: number;
  heartbeatTtl: number;
}

/** Callbacks into the owning socket. */
export interface ConnectionOwner<P extends OutboundPipe = OutboundPipe> {
  onHandshake(conn: Connection<P>): void;
  onMessage(conn: Connection<P>, msg: PackedMessage): void;
  /** A pipe that was full has room again. */
  onDrain(conn: Connection<P>): void;
  /** A network read was fully processed (batch boundary for "readable"). */
  onReadDone(): void;
  onClosed(conn: Connection<P>, error: Error | undefined, handshakeDone: boolean): void;
}

type State = "greeting" | "handshake" | "ready" | "closed";

/** One ZMTP connection; `P` is the owner's pipe type (the owner attaches it on handshake). */
export class Connection<P extends OutboundPipe = OutboundPipe> implements FrameSink {
  state: State = "greeting";
  /** Peer's ZMTP minor version (0 = 3.0: subscriptions travel as data frames, no PING). */
  peerMinor = 1;
  peerSocketType = "";
  /** Attached by the owner on handshake. */
  pipe: P | null = null;
  private greeting: Buffer | null = Buffer.alloc(0);
  private session: MechanismSession | null = null;
  /** Set after a CURVE handshake: every frame is sealed/opened through it. Null for NULL. */
  codec: FrameCodec | null = null;
  private opener: Opener | null = null;
  private handshakeBytes = 0;
  private readonly parser: FrameParser;
  private error: Error | undefined;
  private lastRecv = 0;
  private handshakeTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private pingSentAt = 0;
  private ttlTimer: NodeJS.Timeout | null = null;
  private ttlMs = 0;
  private paused = false;
  private lingerTimer: NodeJS.Timeout | null = null;
  /** Context of the one PONG owed while our writes are backed up. */
  private pendingPong: Buffer | null = null;
  /** When the idle probe's PING was sent (0 = none outstanding). */
  private idlePingAt = 0;

  constructor(
    readonly socket: NetSocket,
    readonly remote: string,
    private readonly opts: ConnectionOptions,
    private readonly owner: ConnectionOwner<P>,
  ) {
    // Wrapped frames are larger than their payload; the exact limit is checked once opened.
    this.parser = new FrameParser(opts.maxMessageSize < 0 ? -1 : opts.maxMessageSize + (opts.mechanism.frameOverhead ?? 0));
    this.parser.handshaking = true;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("drain", () => this.onSocketDrain());
    socket.on("error", (err) => this.fail(err));
    socket.on("close", () => this.onSocketClose());
    socket.write(encodeGreeting(opts.mechanism.name, false));
    if (opts.handshakeInterval > 0) {
      this.handshakeTimer = setTimeout(
        () => this.fail(new HandshakeError("timeout", `no ZMTP handshake within ${opts.handshakeInterval} ms (handshakeInterval)`, { limit: "handshake_interval" })),
        opts.handshakeInterval,
      );
      this.handshakeTimer.unref();
    }
  }

  private onData(chunk: Buffer): void {
    // While lingering we only read to notice the peer's FIN; its data is discarded.
    if (this.state === "closed" || this.closingLocally) return;
    this.lastRecv = performance.now();
    try {
      if (this.state === "ready") {
        this.parser.feed(chunk, this);
        this.owner.onReadDone();
        return;
      }
      this.handshakeBytes += chunk.length;
      if (this.greeting !== null) {
        const rest = this.readGreeting(chunk);
        if (rest === null) return;
        chunk = rest;
      }
      if (chunk.length > 0) this.parser.feed(chunk, this);
      // Checked after parsing: a chunk that completes the handshake may carry messages too.
      if ((this.state as State) !== "ready" && this.handshakeBytes > this.opts.maxHandshakeBytes)
        throw new HandshakeError("limit", `peer ${this.remote} sent ${this.handshakeBytes} bytes without completing the handshake (maxHandshakeBytes ${this.opts.maxHandshakeBytes})`, { limit: "max_handshake_bytes" });
      this.owner.onReadDone();
    } catch (err) {
      this.owner.onReadDone();
      this.fail(err as Error);
    }
  }

  /** Accumulates the peer's greeting; returns the bytes after it once complete, else null. */
  private readGreeting(chunk: Buffer): Buffer | null {
    const have = this.greeting!;
    const need = GREETING_SIZE - have.length;
    const g = have.length === 0 && chunk.length >= GREETING_SIZE ? chunk : Buffer.concat([have, chunk.subarray(0, need)]);
    if (g.length >= SIGNATURE_SIZE) checkSignature(g);
    if (g.length < GREETING_SIZE) {
      this.greeting = g;
      return null;
    }
    const peer = parseGreeting(g);
    this.greeting = null;
    if (peer.mechanism !== this.opts.mechanism.name) {
      throw new HandshakeError("mechanism-mismatch", `peer uses the ${peer.mechanism === "" ? "(empty)" : quoted(peer.mechanism)} mechanism, this socket uses ${this.opts.mechanism.name}`);
    }
    this.peerMinor = peer.minor;
    this.state = "handshake";
    this.session = this.opts.mechanism.session([["Socket-Type", Buffer.from(this.opts.socketType, "latin1")]], this.opts.asServer);
    // Handshake commands only: nothing else may follow READY until the peer's READY (wire.md §1.4.1).
    for (const cmd of this.session.start()) this.socket.write(cmd);
    return have.length === 0 ? chunk.subarray(GREETING_SIZE) : chunk.subarray(need);
  }

  onCommand(name: string, data: Buffer): void {
    if (this.state === "handshake") {
      const { send, done } = this.session!.onCommand(name, data);
      for (const cmd of send) this.socket.write(cmd);
      if (done) this.handshakeDone(done.properties);
      return;
    }
    if (this.codec !== null && !this.opening) {
      // libzmq accepts a MESSAGE with the outer COMMAND flag too; any other clear command is refused.
      if (name !== "MESSAGE") throw new DecodeError("zmtp-curve", "invalid", 0, `unencrypted ${quoted(name)} command after the CURVE handshake`);
      this.openOne(data, 0);
      return;
    }
    switch (name) {
      case "PING": {
        const { ttl, context } = parsePing(data);
        if (ttl > 0) this.armTtl(ttl * 100);
        // A peer that sends PINGs but does not read: at most one PONG waits (the latest context),
        // so a flood of PINGs costs no memory.
        if (this.socket.writableNeedDrain) this.pendingPong = Buffer.from(context);
        else this.sendCommand("PONG", context);
        return;
      }
      case "PONG":
        return;
      case "SUBSCRIBE":
      case "CANCEL": {
        // Delivered exactly like the data-frame form (wire.md §1.6).
        const msg = Buffer.allocUnsafe(1 + data.length);
        msg[0] = name === "SUBSCRIBE" ? 1 : 0;
        data.copy(msg, 1);
        this.owner.onMessage(this, PackedMessage.single(msg));
        return;
      }
      default:
        // RFC 23: unknown commands are ignored once the handshake is done.
        return;
    }
  }

  onMessage(msg: PackedMessage): void {
    if (this.state !== "ready") throw new HandshakeError("protocol", "data frame before the handshake completed");
    if (this.codec !== null) {
      for (let i = 0; i < msg.frameCount; i++) {
        const f = msg.frame(i);
        if (!bytesAt(f, 0, MESSAGE_NAME)) throw new DecodeError("zmtp-curve", "invalid", 0, "data frame that is not a CURVE MESSAGE");
        this.openOne(f, 8);
      }
      return;
    }
    this.owner.onMessage(this, msg);
  }

  /** True while an opened inner command is dispatched (so onCommand treats it as clear). */
  private opening = false;

  /** Opens one MESSAGE: a command is dispatched here, message frames are collected by the opener. */
  private openOne(body: Buffer, offset: number): void {
    const cmd = this.opener!.open(body, offset);
    if (cmd === null) return;
    this.opening = true;
    try {
      this.onCommand(cmd.name, cmd.data);
    } finally {
      this.opening = false;
    }
  }

  /** Sends a command: in the clear, or sealed as a MESSAGE with the inner COMMAND flag. */
  private sendCommand(name: string, data: Uint8Array): void {
    this.socket.write(this.codec === null ? encodeCommand(name, data) : sealCommand(this.codec, name, data));
  }

  private handshakeDone(props: Map<string, Buffer>): void {
    const peerType = props.get("Socket-Type")?.toString("latin1") ?? "";
    const allowed = compatibleTypes(this.opts.socketType);
    if (peerType !== "" && !allowed.includes(peerType as SocketType)) {
      // libzmq closes without an ERROR command (wire.md §1.4).
      throw new HandshakeError("socket-type", `peer is a ${quoted(peerType)} socket; a ${this.opts.socketType} socket only talks to ${allowed.join(" or ")}`);
    }
    this.peerSocketType = peerType;
    this.codec = this.session!.codec;
    if (this.codec !== null) this.opener = new Opener(this.codec, this.opts.maxMessageSize, (frames) => this.owner.onMessage(this, PackedMessage.of(frames)));
    this.state = "ready";
    this.parser.handshaking = false;
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
    if (this.opts.heartbeatInterval > 0 && this.peerMinor >= 1) this.scheduleHeartbeat();
    this.owner.onHandshake(this);
    this.flush();
  }

  /** Sends a subscription in the form the peer's version expects (wire.md §1.2), ahead of queued messages. */
  writeSubscription(subscribe: boolean, topic: Uint8Array): void {
    if (this.state !== "ready") return;
    if (this.peerMinor >= 1) {
      this.sendCommand(subscribe ? "SUBSCRIBE" : "CANCEL", topic);
      return;
    }
    const body = Buffer.allocUnsafe(1 + topic.length);
    body[0] = subscribe ? 1 : 0;
    body.set(topic, 1);
    if (this.codec === null) this.socket.write(encodeFrame(body));
    else this.socket.write(sealCommand(this.codec, null, body));
  }

  /** Encodes queued messages into the socket until it pushes back. */
  flush(): void {
    const pipe = this.pipe;
    if (pipe === null || this.state !== "ready") return;
    if (this.codec !== null) flushSealed(this.codec, pipe.out, this.socket);
    else flushPlain(pipe.out, this.socket);
    if ((pipe.subs !== null || pipe.replay !== null) && pipe.out.length === 0) this.flushSubscriptions(pipe);
    if (pipe.blocked && !pipe.full) this.owner.onDrain(this);
  }

  /**
   * Writes what the pipe owes the peer of its subscriptions (XSUB) while the socket takes it: the
   * replay of the set as it was at the connection (SUBSCRIBE commands, sorted, wire.md §1.6), then
   * the coalesced changes since, each only if it changes what the peer holds.
   */
  private flushSubscriptions(pipe: P): void {
    // In the clear to a ZMTP 3.1 peer, many commands go out in one buffer per write (a replay of a
    // large set to many peers must not make a Buffer per topic); otherwise one by one.
    const batch = this.codec === null && this.peerMinor >= 1 ? new CommandBatch(this.socket) : null;
    const write = (subscribe: boolean, topic: string): void => {
      if (batch !== null) batch.add(subscribe ? "SUBSCRIBE" : "CANCEL", topic);
      else this.writeSubscription(subscribe, Buffer.from(topic, "latin1"));
    };
    const full = (): boolean => (batch !== null ? batch.full() : this.socket.writableNeedDrain);
    if (full()) return;
    // Progress: the peer is slow at worst, not stalled.
    pipe.behindSince = performance.now();
    try {
      const replay = pipe.replay;
      if (replay !== null) {
        while (pipe.replayAt < replay.length) {
          if (full()) return;
          write(true, replay[pipe.replayAt++]!);
        }
        pipe.replay = null;
      }
      const subs = pipe.subs;
      if (subs === null) return;
      for (const [topic, state] of subs) {
        if (full()) return;
        subs.delete(topic);
        const want = (state & WANT) !== 0;
        if (want !== ((state & PEER_HAS) !== 0)) write(want, topic);
      }
      pipe.subs = null;
    } finally {
      batch?.end();
    }
  }

  /** Our writes wait in user space: the peer is not reading (fast enough). */
  get backedUp(): boolean {
    return this.socket.writableNeedDrain;
  }

  /**
   * The idle probe of a connection without heartbeats (driven by the socket's sweep): after
   * `interval` ms without traffic from the peer, and with nothing of ours waiting for it, a PING;
   * no traffic `timeout` ms later disconnects it. A ZMTP 3.0 peer cannot be PINGed: it is
   * disconnected after interval + timeout of silence (libzmq reconnects by itself).
   */
  idleCheck(now: number, interval: number, timeout: number): void {
    if (this.state !== "ready" || this.closingLocally) return;
    // A peer we are writing to is slow, not idle: our PING may sit behind the data.
    const busy = this.socket.writableLength > 0 || (this.pipe !== null && (this.pipe.out.length > 0 || this.pipe.backlog > 0));
    if (this.idlePingAt > 0) {
      if (this.lastRecv >= this.idlePingAt) this.idlePingAt = 0;
      else if (busy) this.idlePingAt = now;
      else if (now - this.idlePingAt >= timeout) {
        this.fail(new HandshakeError("timeout", `peer ${this.remote} did not answer a PING within ${timeout} ms after ${Math.round(this.idlePingAt - this.lastRecv)} ms of silence (idlePingTimeout)`, { limit: "idle_ping_timeout" }));
      }
      return;
    }
    if (busy || now - this.lastRecv < interval) return;
    if (this.peerMinor < 1) {
      if (now - this.lastRecv >= interval + timeout)
        this.fail(new HandshakeError("timeout", `ZMTP 3.0 peer ${this.remote} silent for ${Math.round(now - this.lastRecv)} ms; it cannot be PINGed (idlePingInterval + idlePingTimeout)`, { limit: "idle_ping_timeout" }));
      return;
    }
    this.sendCommand("PING", IDLE_PING);
    this.idlePingAt = now;
  }

  private onSocketDrain(): void {
    if (this.pendingPong !== null && this.state === "ready") {
      const context = this.pendingPong;
      this.pendingPong = null;
      this.sendCommand("PONG", context);
    }
    this.flush();
    if (this.lingerResolve && this.drained()) this.endGracefully();
  }

  /** Stops reading from the peer (receive HWM reached); TCP flow control does the rest. */
  pause(): void {
    if (!this.paused) {
      this.paused = true;
      this.socket.pause();
    }
  }

  resume(): void {
    if (this.paused && this.state !== "closed") {
      this.paused = false;
      this.socket.resume();
    }
  }

  private scheduleHeartbeat(): void {
    const ivl = this.opts.heartbeatInterval;
    const timeout = this.opts.heartbeatTimeout >= 0 ? this.opts.heartbeatTimeout : ivl;
    this.heartbeatTimer = setTimeout(() => {
      if (this.state !== "ready") return;
      const now = performance.now();
      if (this.pingSentAt > 0 && this.lastRecv < this.pingSentAt && now - this.pingSentAt >= timeout) {
        this.fail(new HandshakeError("timeout", `peer ${this.remote} sent nothing for ${Math.round(now - this.pingSentAt)} ms after a PING (heartbeat timeout ${timeout} ms)`));
        return;
      }
      if (this.pingSentAt === 0 || this.lastRecv >= this.pingSentAt) {
        const ttl = Math.round(this.opts.heartbeatTtl / 100);
        if (this.codec === null) this.socket.write(encodePing(ttl));
        else this.sendCommand("PING", Buffer.from([ttl >> 8, ttl & 0xff]));
        this.pingSentAt = now;
      }
      this.scheduleHeartbeat();
    }, Math.min(ivl, timeout));
    this.heartbeatTimer.unref();
  }

  /** The peer's PING TTL: if nothing arrives for that long, the peer considers us dead; so do we. */
  private armTtl(ms: number): void {
    this.ttlMs = ms;
    if (this.ttlTimer) return;
    const check = (): void => {
      const idle = performance.now() - this.lastRecv;
      if (idle >= this.ttlMs) {
        this.fail(new HandshakeError("timeout", `peer ${this.remote} silent for ${Math.round(idle)} ms (its heartbeat TTL is ${this.ttlMs} ms)`));
        return;
      }
      this.ttlTimer = setTimeout(check, this.ttlMs - idle);
      this.ttlTimer.unref();
    };
    this.ttlTimer = setTimeout(check, ms);
    this.ttlTimer.unref();
  }

  private lingerResolve: (() => void) | null = null;
  private closingLocally = false;

  private drained(): boolean {
    // end() itself writes out what the socket has buffered before the FIN.
    return this.pipe === null || this.pipe.out.length === 0;
  }

  /**
   * Half-closes once everything is handed to the kernel: close() resolves then (libzmq's linger
   * also ends when messages are on the network). The socket lingers, unref'd, until the peer
   * closes or the linger timer fires, so unsent kernel data is never reset away.
   */
  private endGracefully(): void {
    this.socket.end(() => {
      this.lingerResolve?.();
      this.socket.unref();
    });
  }

  /**
   * Closes the connection. linger 0 drops queued messages; -1 waits until they are written;
   * n > 0 waits at most n ms. Resolves when the TCP socket is closed.
   */
  close(linger: number): Promise<void> {
    if (this.state === "closed") return Promise.resolve();
    this.closingLocally = true;
    this.socket.resume();
    return new Promise<void>((resolve) => {
      this.socket.once("close", () => resolve());
      if (linger === 0 || this.state !== "ready") {
        this.socket.destroy();
        return;
      }
      this.lingerResolve = resolve;
      this.flush();
      if (this.drained()) this.endGracefully();
      if (linger > 0) {
        this.lingerTimer = setTimeout(() => this.socket.destroy(), linger);
        this.lingerTimer.unref();
      }
    });
  }

  /** Tears the connection down with an error (protocol violation, timeout, refused peer). */
  fail(err: Error): void {
    if (this.state === "closed") return;
    this.error ??= err;
    const reply = err instanceof HandshakeError ? err.reply : undefined;
    if (reply !== undefined && !this.socket.destroyed) {
      // e.g. ERROR "400": written before the close, so the peer learns why (libzmq does the same).
      this.closingLocally = true;
      this.socket.end(reply, () => this.socket.destroy());
      const t = setTimeout(() => this.socket.destroy(), 1000);
      t.unref();
      return;
    }
    this.socket.destroy();
  }

  private onSocketClose(): void {
    if (this.state === "closed") return;
    const handshakeDone = this.state === "ready";
    // A reset during the handshake is the peer closing on us (libzmq closes with linger 0): explain it the same way.
    const reset = this.error !== undefined && ["ECONNRESET", "EPIPE"].includes((this.error as NodeJS.ErrnoException).code ?? "");
    if (reset && !handshakeDone) this.error = undefined;
    if (!handshakeDone && this.error === undefined && !this.closingLocally) {
      // libzmq closes during the greeting (having sent at most its 10-byte signature, possibly
      // nothing yet) when our mechanism is not its own; it has no other reason to close there.
      const greeting = this.greeting;
      this.error =
        this.session?.peerClosed?.() ??
        (greeting !== null
          ? new HandshakeError("mechanism-mismatch", `peer ${this.remote} closed the connection during the greeting (after ${greeting.length} bytes): it most likely uses another security mechanism (this socket uses ${this.opts.mechanism.name}; check the CURVE settings on both sides)`)
          : new HandshakeError("protocol", `peer ${this.remote} closed the connection during the ZMTP handshake (wrong socket type or mechanism on its side?)`));
    }
    this.state = "closed";
    for (const t of [this.handshakeTimer, this.heartbeatTimer, this.ttlTimer, this.lingerTimer]) if (t) clearTimeout(t);
    if (this.lingerResolve) this.lingerResolve();
    this.owner.onClosed(this, this.error, handshakeDone);
  }
}
