// One WebSocket client connection, as Zeek 8.2's WebSocketEventDispatcher handles it: the first
// message is the subscription array; once every subscription came back through the broker and
// the backend is ready to publish, the host raises websocket_client_added and the client gets
// the ack; then data messages flow both ways. Messages sent before the ack wait (pipelining),
// as do messages while the backend's XPUB is at its HWM; at max_event_queue_size the client's
// socket is no longer read (Zeek stalls it) until the queue drains.
import { FORMAT as BIN_FORMAT } from "../codec/broker/bin.js";
import { writeEvent } from "../codec/broker/event.js";
import { encodeJsonEvent } from "../codec/broker/json.js";
import { EncodeError } from "../errors.js";
import { printable } from "../printable.js";
import type { PackedMessage } from "../transport/index.js";
import { ClientBackend } from "./backend.js";
import { type EndpointInfo } from "./events.js";
import { convertEvent } from "./fast-inbound.js";
import { decodeDataMessage, decodeSubscriptions, type Refusal } from "./inbound.js";
import type { AppCounters } from "./metrics.js";
import { ackText, CLOSE, CLOSE_REASON_PING_TIMEOUT, CLOSE_REASON_SUBSCRIBE_FAILED, closeReasonFor, ERROR, errorText } from "./protocol.js";
import type { SessionServer } from "./session-server.js";

/** Without max_event_queue_size (0) a client is still stalled at this many waiting messages. */
const HARD_QUEUE_LIMIT = 65536;
/** How long a close handshake the server started may take before the connection is cut (IXWebSocket: 300 ms). */
const CLOSE_WAIT_MS = 300;
const SEND_TEXT = { binary: false, compress: false, fin: true } as const;

/** What a session needs of its WebSocket (the `ws` package's WebSocket, without its types in the API). */
export interface ClientSocket {
  readonly bufferedAmount: number;
  on(event: "message", listener: (data: Buffer) => void): unknown;
  on(event: "pong", listener: () => void): unknown;
  on(event: "error", listener: (e: Error & { code?: string }) => void): unknown;
  on(event: "close", listener: (code: number, reason: Buffer) => void): unknown;
  send(data: Buffer, options: { binary: boolean; compress: boolean; fin: boolean }): void;
  close(code: number, reason: string): void;
  terminate(): void;
  ping(): void;
  pause(): void;
  resume(): void;
}

type State = "subscriptions" | "subscribing" | "acked" | "refused" | "closed";

export class ClientSession {
  /** The backend's node id: `<host id>-websocket-<n>`. */
  readonly id: string;
  readonly info: EndpointInfo;
  /** Whether the host sees this client (valid URI and application name): only then websocket_client_lost. */
  readonly admitted: boolean;
  /** Answered the last ping (or none was sent yet). */
  pongReceived = true;
  private state: State = "subscriptions";
  private backend: ClientBackend | undefined;
  private messages = 0;
  /** Client messages waiting for the ack or for the XPUB to drain. */
  private queue: Buffer[] = [];
  private queueHead = 0;
  /** A message the XPUB refused at its HWM, sent again on drain. */
  private blocked: { msg: PackedMessage; topic: string; name: string } | undefined;
  private paused = false;
  private pending = new Set<string>();
  private subscriptions: string[] = [];
  private ready = false;
  private localClose: { code: number; reason: string } | undefined;
  private closeTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private overBuffered = false;
  private readonly counters: AppCounters;
  private readonly limit: number;
  /** Resolves once the client is gone and its backend closed. */
  readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(
    private readonly server: SessionServer<ClientSession>,
    private readonly ws: ClientSocket,
    number: number,
    info: { address: string; port: number; path: string; applicationName: string | undefined },
  ) {
    const host = server.host;
    this.id = `${host.nodeId}-websocket-${number}`;
    this.done = new Promise((r) => (this.resolveDone = r));
    this.info = {
      id: this.id,
      network: { address: info.address, bound_port: `${info.port}/tcp` },
      ...(info.applicationName !== undefined ? { application_name: info.applicationName } : {}),
    };
    this.counters = server.telemetry.forApp(info.applicationName ?? "unknown");
    const max = server.options.maxEventQueueSize;
    this.limit = max > 0 ? max : HARD_QUEUE_LIMIT;
    ws.on("message", (data: Buffer) => this.onMessage(data));
    ws.on("pong", () => (this.pongReceived = true));
    ws.on("error", (e: Error & { code?: string }) => server.clientError(this, e));
    ws.on("close", (code: number, reason: Buffer) => void this.finish(code, reason.toString("utf8")));
    // Zeek checks the URI first, then X-Application-Name; a refused client gets no backend.
    const refusal = info.path !== server.apiPath ? ERROR.invalidUri : info.applicationName !== undefined && !server.validApplicationName(info.applicationName) ? ERROR.invalidApplicationName : undefined;
    this.admitted = refusal === undefined;
    if (refusal !== undefined) {
      this.sendText(errorText(refusal[0], refusal[1]));
      this.close(CLOSE.policy, refusal[1]);
      return;
    }
    this.backend = server.newBackend(this.id, {
      subscribed: (topic) => {
        this.pending.delete(topic);
        this.checkActive();
      },
      ready: () => {
        this.ready = true;
        this.checkActive();
      },
      message: (msg) => this.deliver(msg),
      batch: (begin) => this.cork(begin),
      malformed: () => server.malformed(),
      drain: () => this.onDrain(),
    });
    const idle = server.options.idleTimeout;
    if (idle > 0) {
      this.idleTimer = setTimeout(() => this.idle(), idle * 1000);
      this.idleTimer.unref();
    }
  }

  get acked(): boolean {
    return this.state === "acked";
  }

  /** Closes the client with `code`; websocket_client_lost reports this code and reason. */
  close(code: number, reason: string): void {
    if (this.state === "closed" || this.localClose !== undefined) return;
    this.localClose = { code, reason };
    this.ws.close(code, reason);
    this.closeTimer = setTimeout(() => this.ws.terminate(), CLOSE_WAIT_MS);
    this.closeTimer.unref();
  }

  /** A ping (ping_interval); false if the previous one was not answered: then the client is closed (1011 "Ping timeout"). */
  ping(): boolean {
    if (this.state === "closed" || this.localClose !== undefined) return true;
    if (!this.pongReceived) {
      this.close(CLOSE.internalError, CLOSE_REASON_PING_TIMEOUT);
      return false;
    }
    this.pongReceived = false;
    this.ws.ping();
    return true;
  }

  /** Counts a close code the server did not choose itself (e.g. ws closing on a protocol error). */
  noteLocalClose(code: number, reason: string): void {
    this.localClose ??= { code, reason };
  }

  private sendText(text: Buffer): void {
    this.ws.send(text, SEND_TEXT);
  }

  private sendError(e: readonly [string, string]): void {
    this.sendText(errorText(e[0], e[1]));
  }

  private onMessage(data: Buffer): void {
    if (this.state === "closed" || this.localClose !== undefined || this.backend === undefined) return;
    if (++this.messages === 1) return this.subscribe(data);
    // Zeek keeps the messages after refused subscriptions forever; they can never be processed.
    if (this.state === "refused") return;
    if (this.state !== "acked" || this.blocked !== undefined || this.queueHead < this.queue.length) this.enqueue(data);
    else this.publish(data);
  }

  private enqueue(data: Buffer): void {
    this.queue.push(data);
    if (!this.paused && this.queue.length - this.queueHead >= this.limit) {
      this.paused = true;
      this.ws.pause();
      this.server.telemetry.queueBlocks.value++;
    }
  }

  /** Publishes waiting messages in order until none is left or the XPUB is full again. */
  private flush(): void {
    while (this.state === "acked" && this.blocked === undefined && this.queueHead < this.queue.length) {
      const data = this.queue[this.queueHead]!;
      this.queue[this.queueHead++] = undefined as unknown as Buffer;
      this.publish(data);
    }
    if (this.queueHead >= this.queue.length) {
      this.queue = [];
      this.queueHead = 0;
    }
    if (this.paused && this.queue.length - this.queueHead < this.limit && this.state !== "closed") {
      this.paused = false;
      this.ws.resume();
    }
  }

  private subscribe(data: Buffer): void {
    const r = decodeSubscriptions(data, this.server.options.maxSubscriptions);
    if (!r.ok) {
      this.refused(r);
      return;
    }
    const backend = this.backend!;
    this.state = "subscribing";
    const unique = new Map<string, Buffer>();
    for (const t of r.topics) unique.set(t.toString("latin1"), t);
    // Zeek keeps them in a std::map: websocket_client_added lists them sorted by bytes, once each.
    this.subscriptions = [...unique.values()].sort(Buffer.compare).map((t) => t.toString("utf8"));
    for (const key of unique.keys()) this.pending.add(key);
    for (const t of r.topics) backend.subscribe(t, true);
    backend.awaitReady();
  }

  private refused(r: Refusal): void {
    this.sendError(r.error);
    if (r.limit) {
      this.server.limitHit("websocket_max_subscriptions", this, r.detail);
      this.close(CLOSE.policy, r.error[1]);
      return;
    }
    this.state = "refused";
    this.server.refusal(this, r);
  }

  private checkActive(): void {
    if (this.state !== "subscribing" || !this.ready || this.pending.size > 0) return;
    this.state = "acked";
    clearTimeout(this.idleTimer);
    this.server.clientAdded(this, this.subscriptions);
    this.sendText(ackText(this.id, this.server.options.version));
    this.flush();
  }

  private idle(): void {
    if (this.state === "acked" || this.state === "closed") return;
    if (this.state === "subscribing") {
      this.server.report("error", `WebSocket client ${this.describe()}: its subscriptions did not become active within idle_timeout (${this.server.options.idleTimeout} s); is the broker reachable?`);
      this.close(CLOSE.internalError, CLOSE_REASON_SUBSCRIBE_FAILED);
    } else {
      this.server.limitHit("websocket_idle_timeout", this, `no valid subscription message within idle_timeout (${this.server.options.idleTimeout} s)`);
      this.close(CLOSE.policy, "Idle timeout");
    }
  }

  /** A data message from the client: published to the cluster, or answered with Zeek's error. */
  private publish(data: Buffer): void {
    if (this.server.host.eventFormat === BIN_FORMAT && this.publishFast(data)) return;
    const server = this.server;
    const r = decodeDataMessage(data, server.lookup, server.options.unknownEvents);
    if (!r.ok) {
      this.sendError(r.error);
      server.refusal(this, r);
      return;
    }
    const backend = this.backend!;
    const topic = r.topic.toString("utf8");
    const f = backend.framer;
    f.begin(topic);
    try {
      // The event as the client sent it (metadata included), once checked against the declaration.
      if (server.host.eventFormat === BIN_FORMAT) writeEvent(f.w, r.event);
      else f.w.bytes(encodeJsonEvent(r.event));
    } catch (e) {
      f.abort();
      if (!(e instanceof EncodeError)) throw e;
      this.sendError(ERROR.badEvent);
      server.refusal(this, { ok: false, error: ERROR.badEvent, detail: e.message });
      return;
    }
    this.sendBuilt(f.end(), topic, r.event.name);
  }

  /**
   * The common shape of a data message, converted in one pass into the outgoing slab and checked
   * against the declaration there (fast-inbound.ts). False: the general path takes the message.
   */
  private publishFast(data: Buffer): boolean {
    const f = this.backend!.framer;
    let topic = "";
    let begun = false;
    const name = convertEvent(
      data,
      f.w,
      (b, start, end) => {
        topic = this.topicText(b, start, end);
        f.begin(topic);
        begun = true;
      },
      this.server.lookup,
      this.server.options.unknownEvents,
    );
    if (name === undefined) {
      if (begun) f.abort(); // the general path gives the exact error
      return false;
    }
    this.sendBuilt(f.end(), topic, name);
    return true;
  }

  private lastTopicBytes = Buffer.alloc(0);
  private lastTopic = "";

  /** The topic as text; a run of messages on one topic decodes it once. */
  private topicText(b: Buffer, start: number, end: number): string {
    const last = this.lastTopicBytes;
    if (end - start === last.length && b.compare(last, 0, last.length, start, end) === 0) return this.lastTopic;
    this.lastTopicBytes = Buffer.from(b.subarray(start, end));
    return (this.lastTopic = b.toString("utf8", start, end));
  }

  private sendBuilt(msg: PackedMessage, topic: string, name: string): void {
    if (this.backend!.send(msg)) this.published(topic, name);
    else this.blocked = { msg, topic, name };
  }

  private published(topic: string, name: string): void {
    const c = this.counters;
    if (c.outgoing !== undefined) c.outgoing.value++;
    if (this.server.telemetry.verbose) this.server.telemetry.verboseEvent(true, c.app, topic, name);
  }

  private onDrain(): void {
    const b = this.blocked;
    if (b === undefined || this.state === "closed") return;
    if (!this.backend!.send(b.msg)) return;
    this.blocked = undefined;
    this.published(b.topic, b.name);
    this.flush();
  }

  /**
   * The events of one batch from the broker leave in one write: ws writes each message with a
   * write of its own, so its socket is corked for the batch (ws has no public call for this).
   */
  private cork(begin: boolean): void {
    const sock = (this.ws as unknown as { _socket?: { cork?: () => void; uncork?: () => void } })._socket;
    if (begin) sock?.cork?.();
    else sock?.uncork?.();
  }

  /** An event from the cluster: rendered as a data message (events before the ack are discarded, as in Zeek). */
  private deliver(msg: PackedMessage): void {
    if (this.state !== "acked") return;
    const r = this.server.renderEvent(msg);
    if (r === undefined) return;
    if (this.ws.bufferedAmount > this.server.options.maxBufferedBytes) {
      this.server.telemetry.droppedEvents.value++;
      if (!this.overBuffered) {
        this.overBuffered = true;
        this.server.limitHit("websocket_max_buffered_bytes", this, `more than max_buffered_bytes (${this.server.options.maxBufferedBytes}) unread; dropping events for it (zeek_zmq_websocket_dropped_events_total)`);
      }
      return;
    }
    this.overBuffered = false;
    this.sendText(r.text);
    const c = this.counters;
    if (c.incoming !== undefined) c.incoming.value++;
    if (this.server.telemetry.verbose) this.server.telemetry.verboseEvent(false, c.app, r.topic, r.name);
  }

  /** `'<id>' (<addr>:<port>)`, escaped for printing. */
  describe(): string {
    return `'${this.id}' (${printable(this.info.network.address)}:${this.info.network.bound_port.slice(0, -4)})${this.info.application_name !== undefined ? ` application_name=${printable(this.info.application_name)}` : ""}`;
  }

  private async finish(code: number, reason: string): Promise<void> {
    if (this.state === "closed") return;
    this.state = "closed";
    clearTimeout(this.idleTimer);
    clearTimeout(this.closeTimer);
    this.queue = [];
    this.queueHead = 0;
    this.blocked = undefined;
    const lost = this.localClose ?? { code, reason: closeReasonFor(code, reason) };
    try {
      // Zeek raises websocket_client_lost after the backend terminated: it is the client's last event.
      if (this.backend !== undefined) await this.backend.close();
      this.server.clientGone(this, lost.code, lost.reason);
    } finally {
      this.resolveDone();
    }
  }
}
