// `zeek-zmq websocket --listen ADDR:PORT`: Zeek's WebSocket API on its own, joining the cluster
// through the broker. Each WebSocket client becomes its own cluster participant, as with a Zeek
// node calling Cluster::listen_websocket. Prints where it listens and a line per client added or
// lost (Zeek's cluster.log wording); runs until SIGINT/SIGTERM.
import { isIP } from "node:net";
import { ClusterNode } from "../cluster/node.js";
import { eventFromSignature, type EventDecl } from "../codec/broker/typed.js";
import { ConfigError } from "../errors.js";
import { printable } from "../printable.js";
import { clientAddedMessage, clientLostMessage } from "../websocket/events.js";
import { resolveWebSocketOptions, type WebSocketServerOptions } from "../websocket/options.js";
import { httpsOptions } from "../websocket/server.js";
import {
  deadline,
  eventFormatFlag,
  integerFlag,
  isTimeout,
  OPTION_FLAGS,
  optionFlagValues,
  parseCommand,
  resolveCommandOptions,
  runCommand,
  secondsFlag,
  stderrLine,
  stdoutLine,
  stopRequest,
  UsageError,
  type Print,
} from "./args.js";

export const WEBSOCKET_USAGE = `usage: zeek-zmq websocket --listen ADDR:PORT [--tls-cert FILE --tls-key FILE] [options]

Serves Zeek 8.2's WebSocket API at ws://ADDR:PORT/v1/messages/json (wss:// with TLS). Every
client joins the cluster through the broker as its own participant (<node id>-websocket-<n>):
its subscriptions are cluster subscriptions, its events reach every subscriber. Prints on stdout
  listening URL
  WebSocket client '<id>' (<addr>:<port>) subscribed to [...]   (Cluster::websocket_client_added)
  WebSocket client '<id>' (<addr>:<port>) gone with code N ...   (Cluster::websocket_client_lost)
and writes the same lines to cluster.log in --log-dir. Runs until SIGINT/SIGTERM.

  --listen ADDR:PORT          listen_addr and listen_port (IPv6: [::1]:27759; port 0: any free one)
  --tls-cert FILE             tls_options cert_file (PEM); needs --tls-key
  --tls-key FILE              tls_options key_file (PEM); needs --tls-cert
  --tls-ca FILE               enable_peer_verification: clients need a certificate signed by FILE
  --ping-interval SECONDS     ping_interval (default 5; negative: no pings)
  --max-event-queue-size N    max_event_queue_size (default 32): a client is stalled beyond it
  --max-clients N             clients at once (default 100)
  --event SIGNATURE           declare an event, e.g. 'Demo::ping(msg: string, c: count)' (repeatable):
                              clients' events of that name must match it
  --unknown-events forward|reject
                              events without a declaration: forward them as they are (default)
                              or refuse them as Zeek does ("failed to create Zeek event")
  --name NAME                 Cluster::node of this host (default zeek-zmq-websocket)
  --layout FILE               take the broker endpoints and options from a layout
  --event-format F            broker-bin-v1 (default) or broker-json-v1 (Cluster::event_serializer)
  --log-dir DIR               where cluster.log goes (default: the current directory)
  --timeout SECONDS           give up if the broker does not answer within this long (default 5; 0 = wait)
  --<option> VALUE            any backend option under Zeek's name (e.g. --connect-xsub-endpoint ...)`;

/** `ADDR:PORT` or `[IPv6]:PORT`. */
export function parseListen(text: string): { listenAddr: string; listenPort: number } {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:]+):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : -1;
  if (!m || isIP(m[1]!) === 0 || port > 65535) throw new UsageError(`--listen must be ADDR:PORT with an IP address (e.g. 127.0.0.1:27759 or [::1]:27759), got ${JSON.stringify(text)}`);
  return { listenAddr: m[1]!, listenPort: port };
}

export function runWebsocket(argv: string[], out: Print = stdoutLine, err: Print = stderrLine): Promise<number> {
  return runCommand("websocket", err, async () => {
    const args = parseCommand(argv, {
      ...OPTION_FLAGS,
      listen: { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      "tls-ca": { type: "string" },
      "ping-interval": { type: "string" },
      "max-event-queue-size": { type: "string" },
      "max-clients": { type: "string" },
      event: { type: "string", multiple: true },
      "unknown-events": { type: "string" },
      name: { type: "string" },
      layout: { type: "string" },
      "event-format": { type: "string" },
      "log-dir": { type: "string" },
      timeout: { type: "string" },
    });
    if (args.flag("help")) {
      out(WEBSOCKET_USAGE);
      return 0;
    }
    const listen = args.string("listen");
    if (listen === undefined) throw new UsageError("--listen ADDR:PORT is required");
    const cert = args.string("tls-cert");
    const key = args.string("tls-key");
    if ((cert === undefined) !== (key === undefined)) throw new UsageError("--tls-cert and --tls-key go together (TLS needs both files)");
    const ca = args.string("tls-ca");
    if (ca !== undefined && cert === undefined) throw new UsageError("--tls-ca needs --tls-cert and --tls-key");
    const unknownEvents = args.string("unknown-events") ?? "forward";
    if (unknownEvents !== "forward" && unknownEvents !== "reject") throw new UsageError(`--unknown-events must be forward or reject, got ${JSON.stringify(unknownEvents)}`);
    const ping = args.string("ping-interval");
    const pingInterval = ping === undefined ? undefined : Number(ping);
    if (pingInterval !== undefined && (ping!.trim() === "" || !Number.isFinite(pingInterval))) throw new UsageError(`--ping-interval must be a number of seconds, got ${JSON.stringify(ping)}`);
    const events: EventDecl<readonly unknown[]>[] = [];
    for (const sig of args.strings("event")) {
      try {
        events.push(eventFromSignature(sig));
      } catch (e) {
        throw new UsageError(`--event ${JSON.stringify(sig)}: ${(e as Error).message}`);
      }
    }
    const maxQueue = integerFlag("max-event-queue-size", args.string("max-event-queue-size"), 0);
    const maxClients = integerFlag("max-clients", args.string("max-clients"), 1);
    const wsOptions: WebSocketServerOptions = {
      ...parseListen(listen),
      ...(cert !== undefined ? { tls: { certFile: cert, keyFile: key!, ...(ca !== undefined ? { enablePeerVerification: true, caFile: ca } : {}) } } : {}),
      ...(pingInterval !== undefined ? { pingInterval } : {}),
      ...(maxQueue !== undefined ? { maxEventQueueSize: maxQueue } : {}),
      ...(maxClients !== undefined ? { maxClients } : {}),
      events,
      unknownEvents,
    };
    // Bad options or a bad TLS pair refuse to start before anything joins the cluster.
    const resolved = resolveWebSocketOptions(wsOptions);
    if (resolved.tls !== undefined) httpsOptions(resolved.tls, resolved.handshakeTimeout);
    const timeout = secondsFlag("timeout", args.string("timeout"), 5);
    const eventFormat = eventFormatFlag(args.string("event-format"));
    const { options } = await resolveCommandOptions({ layoutPath: args.string("layout"), cli: optionFlagValues(args) });
    const name = args.string("name") ?? "zeek-zmq-websocket";
    const label = `zeek-zmq websocket`;

    const done = new AbortController();
    const stop = stopRequest(done.signal);
    const node = new ClusterNode({ name, options: { ...options, runProxyThread: false }, discovery: false, eventFormat, logging: { dir: args.string("log-dir") ?? process.cwd() } });
    node.on("reporter_warning", (m) => err(`${label}: warning: ${m}`));
    node.on("reporter_error", (m) => err(`${label}: error: ${m}`));
    const limit = deadline(timeout);
    let fatal: ConfigError | undefined;
    node.on("fatal", (m) => {
      fatal = new ConfigError("broker", m);
      limit.abort(fatal);
      done.abort();
    });
    try {
      const started = node.start({ signal: limit.signal });
      started.catch(() => undefined); // after a stop request nobody waits for it
      const first = await Promise.race([started.then(() => "ready"), stop.stopped]);
      limit.clear();
      if (fatal) throw fatal;
      if (first === "ready") {
        const server = await node.listenWebsocket(wsOptions);
        // Ids, addresses, topics, application names and reasons come from clients: escaped.
        server.on("websocket_client_added", (info, subs) => out(printable(clientAddedMessage(info, subs), 4096)));
        server.on("websocket_client_lost", (info, code, reason) => out(printable(clientLostMessage(info, code, reason), 4096)));
        out(`listening ${server.url}`);
        const why = await stop.stopped;
        if (why !== "abort") err(`${label}: ${why}: stopping`);
      }
      if (fatal) throw fatal;
    } catch (e) {
      if (!isTimeout(e)) throw e;
      throw new ConfigError(
        "broker",
        `no broker answered within ${timeout} s (connect_xsub_endpoint ${options.connectXsubEndpoint}, connect_xpub_endpoint ${options.connectXpubEndpoint}); is one running?`,
      );
    } finally {
      limit.clear();
      stop.dispose();
      await node.close();
    }
    return 0;
  });
}
