// A WebSocket API server (Zeek's Cluster::listen_websocket) on an HTTP or HTTPS server, with the
// `ws` library doing the WebSocket protocol. Bounds: clients (HTTP 503 beyond max_clients),
// connections still in their (TLS and) HTTP upgrade (cut after handshake_timeout, at most
// max_clients at once), message size (1009), the bytes buffered towards a client, the time to
// the ack; pings at ping_interval close clients that stop answering (1011 "Ping timeout").
// Limits hit are counted in zeek_zmq_limit_hits_total{reason} and warned once per peer.
import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from "node:http";
import { createServer as createHttpsServer, type ServerOptions as HttpsServerOptions } from "node:https";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { createSecureContext } from "node:tls";
import { WebSocketServer as WsServer, type WebSocket } from "ws";
import { FORMAT as BIN_FORMAT } from "../codec/broker/bin.js";
import type { EventDecl } from "../codec/broker/typed.js";
import { readyTopic } from "../cluster/topics.js";
import { ConfigError, DecodeError } from "../errors.js";
import { printable, Warnings } from "../printable.js";
import { limitHits, ZeroMqMetrics } from "../telemetry/zeek-metrics.js";
import type { PackedMessage } from "../transport/index.js";
import { ClientBackend, type BackendEvents } from "./backend.js";
import { ClientSession, type ClientSocket } from "./client.js";
import type { SessionServer } from "./session-server.js";
import { clientAddedMessage, clientLostMessage, WEBSOCKET_CLIENT_ADDED, WEBSOCKET_CLIENT_LOST, type EndpointInfo } from "./events.js";
import type { WebSocketHost } from "./host-context.js";
import type { Refusal } from "./inbound.js";
import { WebSocketTelemetry } from "./metrics.js";
import type { ResolvedWebSocketOptions } from "./options.js";
import { API_PATH, CLOSE, CLOSE_REASON_PING_TIMEOUT, CLOSE_REASON_TERMINATING, validApplicationName } from "./protocol.js";
import { EventRenderer, type Rendered } from "./render.js";

export interface WebSocketServerEvents {
  /** Cluster::websocket_client_added: the client's subscriptions are active, its ack follows. */
  websocket_client_added: [endpoint: EndpointInfo, subscriptions: string[]];
  /** Cluster::websocket_client_lost: the client and its backend are gone. */
  websocket_client_lost: [endpoint: EndpointInfo, code: number, reason: string];
  close: [];
}

/** The per-node counters a server draws from (see NodeWebSockets). */
export interface ServerOwner {
  readonly host: WebSocketHost;
  nextClientNumber(): number;
  nextReadyCounter(): number;
}

const BIN_FORMAT_FRAME = Buffer.from(BIN_FORMAT, "latin1");

/** ws's error codes and the close codes it sends for them. */
const WS_ERROR_CLOSE: Readonly<Record<string, number>> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: CLOSE.tooBig,
  WS_ERR_INVALID_UTF8: 1007,
};

function tlsFile(option: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new ConfigError(`tls_options.${option}`, `cannot read ${JSON.stringify(file)}: ${(e as Error).message}`);
  }
}

/**
 * The HTTPS server options of `tls`, its files read and the certificate and key checked to be a
 * usable pair (ConfigError naming the files otherwise): a command checks them before it joins
 * the cluster.
 */
export function httpsOptions(tls: NonNullable<ResolvedWebSocketOptions["tls"]>, handshakeTimeout: number): HttpsServerOptions {
  const cert = tlsFile("cert_file", tls.certFile);
  const key = tlsFile("key_file", tls.keyFile);
  const ca = tls.enablePeerVerification && tls.caFile !== "" ? tlsFile("ca_file", tls.caFile) : undefined;
  const options: HttpsServerOptions = {
    cert,
    key,
    ...(ca ? { ca } : {}),
    requestCert: tls.enablePeerVerification,
    rejectUnauthorized: tls.enablePeerVerification,
    ...(tls.ciphers !== "" ? { ciphers: tls.ciphers } : {}),
    handshakeTimeout: Math.max(1, handshakeTimeout * 1000),
  };
  try {
    createSecureContext(options);
  } catch (e) {
    throw new ConfigError(
      "tls_options",
      `cert_file ${JSON.stringify(tls.certFile)} and key_file ${JSON.stringify(tls.keyFile)} are not a usable certificate and private key pair (${(e as Error).message}); check that the key belongs to the certificate and both are PEM`,
      { cause: e },
    );
  }
  return options;
}

export class WebSocketServer extends EventEmitter<WebSocketServerEvents> implements SessionServer<ClientSession> {
  readonly host: WebSocketHost;
  /** Set once listening: its series are labelled with the real port. */
  telemetry!: WebSocketTelemetry;
  readonly apiPath = API_PATH;
  readonly validApplicationName = validApplicationName;
  /** The host's declaration of an event (the options' `events` first). */
  readonly lookup: (name: string) => EventDecl<readonly unknown[]> | undefined;
  /** The port listened on (the real one when listen_port was 0). */
  port = 0;
  private readonly http: HttpServer;
  private readonly wss: WsServer;
  private readonly sessions = new Set<ClientSession>();
  private readonly handshakes = new Map<Socket, NodeJS.Timeout>();
  private readonly renderer = new EventRenderer();
  private readonly warnings: Warnings;
  private readonly zmqMetrics: ZeroMqMetrics;
  private readonly formatFrame: Buffer;
  private pingTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly owner: ServerOwner,
    readonly options: ResolvedWebSocketOptions,
  ) {
    super();
    const host = owner.host;
    this.host = host;
    const declared = new Map(options.events.map((d) => [d.name, d]));
    this.lookup = (name) => declared.get(name) ?? host.declaration(name);
    this.zmqMetrics = new ZeroMqMetrics(host.registry);
    this.warnings = new Warnings((line) => host.report("warning", line));
    this.formatFrame = host.eventFormat === BIN_FORMAT ? BIN_FORMAT_FRAME : Buffer.from(host.eventFormat, "latin1");
    this.http = options.tls === undefined ? createHttpServer() : this.httpsServer(options.tls);
    // The client's own subprotocol choice is not echoed (IXWebSocket does not either); no compression, as Zeek.
    this.wss = new WsServer({ noServer: true, maxPayload: options.maxMessageSize, perMessageDeflate: false, clientTracking: false, handleProtocols: () => false });
    this.http.on("connection", (s: Socket) => this.onConnection(s));
    this.http.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket as Socket, head));
    this.http.on("request", (_req, res) => {
      res.writeHead(426, { "Content-Type": "text/plain", Connection: "close", Upgrade: "websocket" });
      res.end(`Zeek's WebSocket API: connect a WebSocket client to ${API_PATH}\n`);
    });
  }

  /** Starts listening; ConfigError for a bad TLS pair or an address that cannot be bound. */
  static async start(owner: ServerOwner, options: ResolvedWebSocketOptions): Promise<WebSocketServer> {
    const s = new WebSocketServer(owner, options);
    await new Promise<void>((resolve, reject) => {
      const fail = (e: Error) => reject(new ConfigError("listen_websocket", `WebSocket: Unable to listen on ${options.listenAddr}:${options.listenPort}: ${e.message}`, { cause: e }));
      s.http.once("error", fail);
      s.http.listen(options.listenPort, options.listenAddr, () => {
        s.http.off("error", fail);
        resolve();
      });
    });
    s.port = (s.http.address() as { port: number }).port;
    s.telemetry = new WebSocketTelemetry(s.host.registry, `${options.listenAddr}:${s.port}`, options.metrics);
    s.http.on("error", (e) => s.host.report("error", `WebSocket server ${s.url}: ${e.message}`));
    if (options.pingInterval > 0) {
      s.pingTimer = setInterval(() => s.pingAll(), options.pingInterval * 1000);
      s.pingTimer.unref();
    }
    return s;
  }

  /** `ws://addr:port/v1/messages/json` (wss with TLS). */
  get url(): string {
    const a = this.options.listenAddr.includes(":") ? `[${this.options.listenAddr}]` : this.options.listenAddr;
    return `${this.options.tls ? "wss" : "ws"}://${a}:${this.port}${API_PATH}`;
  }

  /** Clients connected now. */
  get clientCount(): number {
    return this.sessions.size;
  }

  private httpsServer(tls: NonNullable<ResolvedWebSocketOptions["tls"]>): HttpServer {
    return createHttpsServer(httpsOptions(tls, this.options.handshakeTimeout)) as unknown as HttpServer;
  }

  /** A TCP connection: it must complete its upgrade within handshake_timeout. */
  private onConnection(s: Socket): void {
    if (this.closing !== undefined) {
      s.destroy();
      return;
    }
    if (this.handshakes.size >= this.options.maxClients) {
      this.limit("websocket_pending_handshakes", `${printable(s.remoteAddress ?? "?")}`, `refused: already ${this.handshakes.size} connections in their handshake (max_clients)`);
      s.destroy();
      return;
    }
    const t = setTimeout(() => {
      this.handshakes.delete(s);
      this.limit("websocket_handshake_timeout", `${printable(s.remoteAddress ?? "?")}`, `no WebSocket upgrade within handshake_timeout (${this.options.handshakeTimeout} s)`);
      s.destroy();
    }, this.options.handshakeTimeout * 1000);
    t.unref();
    this.handshakes.set(s, t);
    s.once("close", () => this.handshakeDone(s));
  }

  private handshakeDone(raw: Socket): void {
    const t = this.handshakes.get(raw);
    if (t === undefined) return;
    clearTimeout(t);
    this.handshakes.delete(raw);
  }

  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    // Over TLS the upgrade comes on the TLS socket: its handshake timer sits on the TCP socket below.
    this.handshakeDone(socket);
    for (const raw of this.handshakes.keys())
      if (raw.remotePort === socket.remotePort && raw.remoteAddress === socket.remoteAddress) {
        this.handshakeDone(raw);
        break;
      }
    if (this.closing !== undefined) {
      socket.destroy();
      return;
    }
    if (this.sessions.size >= this.options.maxClients) {
      this.limit("websocket_max_clients", printable(socket.remoteAddress ?? "?"), `refused with HTTP 503: already ${this.sessions.size} clients (max_clients)`);
      const body = "too many WebSocket clients\n";
      socket.end(`HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      socket.destroySoon();
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => this.accept(ws as unknown as ClientSocket, req));
  }

  private accept(ws: ClientSocket, req: IncomingMessage): void {
    const app = req.headers["x-application-name"];
    const session = new ClientSession(this, ws, this.owner.nextClientNumber(), {
      address: req.socket.remoteAddress ?? "",
      port: req.socket.remotePort ?? 0,
      path: req.url ?? "",
      applicationName: Array.isArray(app) ? app.join(", ") : app,
    });
    this.sessions.add(session);
    this.telemetry.clients.value = this.sessions.size;
  }

  private pingAll(): void {
    for (const s of this.sessions) if (!s.ping()) this.report("warning", `WebSocket client ${s.describe()} did not answer a ping within ping_interval (${this.options.pingInterval} s): closed with ${CLOSE.internalError} "${CLOSE_REASON_PING_TIMEOUT}"`);
  }

  // ---- for ClientSession -------------------------------------------------------------------

  newBackend(nodeId: string, events: BackendEvents): ClientBackend {
    const h = this.host;
    return new ClientBackend(
      { nodeId, options: h.options, endpoints: h.brokerEndpoints(), formatFrame: this.formatFrame, readyTopic: readyTopic(h.options.internalTopicPrefix, nodeId, this.owner.nextReadyCounter()) },
      events,
    );
  }

  renderEvent(msg: PackedMessage): Rendered | undefined {
    try {
      return this.renderer.render(msg);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.zmqMetrics.msgErrors.value++;
      this.warnings.always(() => `WebSocket server ${this.url}: dropped an undecodable event on ${printable(msg.frame(0))} from ${printable(msg.frame(1))}: ${printable(e.message)} (zeek_cluster_zeromq_msg_errors_total)`);
      return undefined;
    }
  }

  malformed(): void {
    this.zmqMetrics.msgErrors.value++;
  }

  clientAdded(s: ClientSession, subscriptions: string[]): void {
    this.host.raise(WEBSOCKET_CLIENT_ADDED, [s.info, subscriptions]);
    this.host.clusterLog(clientAddedMessage(s.info, subscriptions));
    this.emit("websocket_client_added", s.info, subscriptions);
  }

  clientGone(s: ClientSession, code: number, reason: string): void {
    this.sessions.delete(s);
    this.telemetry.clients.value = this.sessions.size;
    // Zeek forgets its clients when the server terminates: no websocket_client_lost then.
    if (!s.admitted || this.closing !== undefined) return;
    this.host.raise(WEBSOCKET_CLIENT_LOST, [s.info, BigInt(code), reason]);
    this.host.clusterLog(clientLostMessage(s.info, code, reason));
    this.emit("websocket_client_lost", s.info, code, reason);
  }

  /** A message Zeek answers with an error: reported (rate-limited), as Zeek's reporter does for events. */
  refusal(s: ClientSession, r: Refusal): void {
    this.warnings.always(() => `WebSocket client ${s.describe()}: ${r.error[1]}: ${printable(r.detail)}`);
  }

  /** ws's own protocol errors (too large, invalid UTF-8, bad frames): it closes the client; counted and warned. */
  clientError(s: ClientSession, e: Error & { code?: string }): void {
    const code = e.code === undefined ? undefined : (WS_ERROR_CLOSE[e.code] ?? (e.code.startsWith("WS_ERR_") ? 1002 : undefined));
    if (code === undefined) return; // a socket error: the close that follows reports it (1006)
    s.noteLocalClose(code, e.message);
    if (code === CLOSE.tooBig) this.limitHit("websocket_max_message_size", s, `${e.message} (max_message_size ${this.options.maxMessageSize} bytes): closed with ${code}`);
    else this.warnings.once(`protocol:${s.info.network.address}`, () => `WebSocket client ${s.describe()}: ${printable(e.message)}: closed with ${code}`);
  }

  limitHit(reason: string, s: ClientSession, detail: string): void {
    this.limit(reason, printable(s.info.network.address), `WebSocket client ${s.describe()}: ${detail}`);
  }

  private limit(reason: string, peer: string, message: string): void {
    limitHits(this.host.registry, reason).value++;
    this.warnings.once(`${reason}:${peer}`, () => (message.startsWith("WebSocket client") ? message : `WebSocket server ${this.url}: ${peer}: ${message}`));
  }

  report(kind: "warning" | "error", message: string): void {
    this.host.report(kind, message);
  }

  /** Closes every client (1001 "Terminating", as Zeek does) and stops listening. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    clearInterval(this.pingTimer);
    const stopped = new Promise<void>((r) => this.http.close(() => r()));
    for (const [raw, t] of this.handshakes) {
      clearTimeout(t);
      raw.destroy();
    }
    this.handshakes.clear();
    const sessions = [...this.sessions];
    for (const s of sessions) s.close(CLOSE.goingAway, CLOSE_REASON_TERMINATING);
    await Promise.all(sessions.map((s) => s.done));
    this.wss.close();
    this.http.closeAllConnections?.();
    await stopped;
    this.warnings.flush();
    this.emit("close");
  }
}
