// A cluster for WebSocket tests: a broker and a hosting node in this process, the Demo events of
// the fixture's manager.zeek (Demo::ping answered by Demo::pong with a global counter), and a
// WebSocket client that records what it receives.
import { once } from "node:events";
import WebSocket from "ws";
import { Broker } from "../../src/cluster/broker.js";
import { ClusterNode } from "../../src/cluster/node.js";
// ClusterNode.listenWebsocket() and layout websocket: entries come with the WebSocket layer.
import "../../src/websocket/node-hosting.js";
import { defineEvent } from "../../src/codec/broker/typed.js";
import { z } from "../../src/codec/broker/types.js";
import { WEBSOCKET_CLIENT_ADDED, WEBSOCKET_CLIENT_LOST, type EndpointInfo } from "../../src/websocket/events.js";
import type { WebSocketServerOptions } from "../../src/websocket/options.js";
import type { WebSocketServer } from "../../src/websocket/server.js";
import { TEST_CWD } from "../paths.js";

export const PING = defineEvent("Demo::ping", [z.string, z.count], ["msg", "c"]);
export const PONG = defineEvent("Demo::pong", [z.string, z.count], ["msg", "c"]);
export const NOTE = defineEvent("Demo::note", [z.string], ["who"]);

/** What the fixture's manager printed, in the same words. */
export interface HostLog {
  lines: string[];
  warnings: string[];
  errors: string[];
}

export interface TestCluster {
  broker: Broker;
  endpoints: { connectXpubEndpoint: string; connectXsubEndpoint: string };
  host: ClusterNode;
  server: WebSocketServer;
  log: HostLog;
  close(): Promise<void>;
}

/** A broker and a host node like scripts/manager.zeek: subscribed to /demo/ping, answering with Demo::pong(msg, ++n). */
export async function startCluster(ws: Partial<WebSocketServerOptions> = {}, nodeId?: string): Promise<TestCluster> {
  const broker = new Broker({ listenXsubEndpoint: "tcp://127.0.0.1:0", listenXpubEndpoint: "tcp://127.0.0.1:0" });
  const { xsub, xpub } = await broker.start();
  const endpoints = { connectXpubEndpoint: xsub, connectXsubEndpoint: xpub };
  const host = new ClusterNode({ name: "manager", options: endpoints, logging: { dir: TEST_CWD }, ...(nodeId ? { nodeId } : {}) });
  const log: HostLog = { lines: [], warnings: [], errors: [] };
  host.on("reporter_warning", (m) => log.warnings.push(m));
  host.on("reporter_error", (m) => log.errors.push(m));
  let n = 0;
  host.on(PING, (msg, c) => {
    log.lines.push(`manager: got Demo::ping(${msg}, ${c})`);
    host.publish("/demo/pong", PONG, [msg, BigInt(++n)]);
  });
  host.on(WEBSOCKET_CLIENT_ADDED, (info, subs) => log.lines.push(`manager: websocket_client_added ${info.id} [${subs.join(", ")}] app=${info.application_name ?? "-"}`));
  host.on(WEBSOCKET_CLIENT_LOST, (info, code, reason) => log.lines.push(`manager: websocket_client_lost ${info.id} code=${code} reason='${reason}'`));
  await host.start();
  host.subscribe("/demo/ping");
  const server = await host.listenWebsocket({ listenPort: 0, events: [PONG, NOTE] as never[], unknownEvents: "reject", ...ws });
  return {
    broker,
    endpoints,
    host,
    server,
    log,
    close: async () => {
      await host.close();
      await broker.close();
    },
  };
}

/** A recording WebSocket client. */
export class Client {
  readonly received: string[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: { n: number; resolve: () => void }[] = [];

  constructor(readonly ws: WebSocket) {
    ws.on("message", (d: Buffer) => {
      this.received.push(d.toString("latin1"));
      this.waiters = this.waiters.filter((w) => (this.received.length >= w.n ? (w.resolve(), false) : true));
    });
    this.closed = new Promise((resolve) => ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on("error", () => undefined);
  }

  static async connect(url: string, opts: WebSocket.ClientOptions & { path?: string } = {}): Promise<Client> {
    const { path, ...rest } = opts;
    const ws = new WebSocket(path === undefined ? url : url.replace(/\/v1\/messages\/json$/, path), rest);
    const c = new Client(ws);
    await once(ws, "open");
    return c;
  }

  send(text: string): void {
    this.ws.send(text);
  }

  /** Resolves once `n` messages in all have arrived (rejects after `ms`). */
  async waitFor(n: number, ms = 10_000): Promise<string[]> {
    if (this.received.length < n)
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting for message ${n}; got ${this.received.length}, the last: ${JSON.stringify(this.received.at(-1)?.slice(0, 300))}`)), ms);
        this.waiters.push({ n, resolve: () => (clearTimeout(t), resolve()) });
      });
    return this.received.slice(0, n);
  }

  /** Subscribes and waits for the ack; returns the ack's endpoint id. */
  async subscribe(topics: string[]): Promise<string> {
    const before = this.received.length;
    this.send(JSON.stringify(topics));
    const [ack] = (await this.waitFor(before + 1)).slice(before);
    const m = JSON.parse(ack!) as { type: string; endpoint: string };
    if (m.type !== "ack") throw new Error(`expected an ack, got ${ack}`);
    return m.endpoint;
  }

  async close(code = 1000): Promise<void> {
    this.ws.close(code);
    await this.closed;
  }
}

/** A data message as the fixture's capture.py writes it (Python's json.dumps spacing). */
export function dataMessageJson(name: string, args: unknown[], topic = "/demo/ping"): string {
  return JSON.stringify({
    type: "data-message",
    topic,
    "@data-type": "vector",
    data: [
      { "@data-type": "count", data: 1 },
      { "@data-type": "count", data: 1 },
      { "@data-type": "vector", data: [{ "@data-type": "string", data: name }, { "@data-type": "vector", data: args }] },
    ],
  });
}

export const S = (v: string) => ({ "@data-type": "string", data: v });
export const C = (v: number) => ({ "@data-type": "count", data: v });

/** Resolves when `server` raised websocket_client_lost for `id` (any client without `id`). */
export function lost(server: WebSocketServer, id?: string): Promise<{ info: EndpointInfo; code: number; reason: string }> {
  return new Promise((resolve) => {
    const on = (info: EndpointInfo, code: number, reason: string) => {
      if (id !== undefined && info.id !== id) return;
      server.off("websocket_client_lost", on);
      resolve({ info, code, reason });
    };
    server.on("websocket_client_lost", on);
  });
}
