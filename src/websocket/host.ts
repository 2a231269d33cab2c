// The node hosting WebSocket servers, as the WebSocket layer sees it, and the per-node state Zeek
// keeps process-wide: the client counter (ids `<node id>-websocket-<n>`, n from 0, counting every
// upgraded connection) and the ready-topic counter (from 1), shared by all servers of the node.
// Listening twice with the same options is a no-op, as in Zeek; other options on a taken
// address:port are refused.
import { ConfigError } from "../errors.js";
import { resolveWebSocketOptions, sameWebSocketOptions, type WebSocketServerOptions } from "./options.js";
import type { WebSocketHost } from "./host-context.js";
import { WebSocketServer } from "./server.js";

export type { WebSocketHost } from "./host-context.js";

/** The WebSocket servers of one node and the counters they share. */
export class NodeWebSockets {
  private readonly servers = new Map<string, WebSocketServer>();
  private clients = 0;
  private readyTopics = 0;
  private closed = false;

  constructor(readonly host: WebSocketHost) {}

  /** The next client number (every upgraded connection takes one, failed ones too). */
  nextClientNumber(): number {
    return this.clients++;
  }

  /** The next ready-to-publish topic counter (Zeek: process-wide, from 1). */
  nextReadyCounter(): number {
    return ++this.readyTopics;
  }

  /** `Cluster::listen_websocket(options)`: starts a server, or returns the one already listening with these options. */
  async listen(options: WebSocketServerOptions): Promise<WebSocketServer> {
    if (this.closed) throw new ConfigError("listen_websocket", `${this.host.name}: the node is closed`);
    const resolved = resolveWebSocketOptions(options);
    const key = `${resolved.listenAddr}:${resolved.listenPort}`;
    const existing = resolved.listenPort === 0 ? undefined : this.servers.get(key);
    if (existing !== undefined) {
      if (sameWebSocketOptions({ ...existing.options, listenPort: existing.port }, resolved)) return existing;
      throw new ConfigError("listen_websocket", `Already listening on ${key} with other options`);
    }
    const server = await WebSocketServer.start(this, resolved);
    this.servers.set(`${resolved.listenAddr}:${server.port}`, server);
    server.once("close", () => this.servers.delete(`${resolved.listenAddr}:${server.port}`));
    return server;
  }

  /** Every server of the node. */
  list(): WebSocketServer[] {
    return [...this.servers.values()];
  }

  /** Closes every server (clients get 1001 "Terminating"). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.servers.values()].map((s) => s.close()));
    this.servers.clear();
  }
}
