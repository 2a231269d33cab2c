// What a WebSocket API server needs of the node that hosts it (apart from host.ts, so that the
// server and its host know each other without an import circle).
import type { EventDecl } from "../codec/broker/typed.js";
import type { EventFormat } from "../cluster/node-types.js";
import type { NodeOptions } from "../cluster/options.js";
import type { MetricsRegistry } from "../telemetry/registry.js";

export interface WebSocketHost {
  /** `Cluster::node`. */
  readonly name: string;
  /** `Cluster::node_id()`: client backends are `<nodeId>-websocket-<n>`. */
  readonly nodeId: string;
  /** The node's backend options: client backends connect and tune their sockets with them. */
  readonly options: NodeOptions;
  readonly registry: MetricsRegistry;
  /** `Cluster::event_serializer`: the format client backends publish in. */
  readonly eventFormat: EventFormat;
  /** Where client backends connect: `xpub` for their XPUB (the broker's XSUB), `xsub` for their XSUB. */
  brokerEndpoints(): { readonly xpub: string; readonly xsub: string };
  /** The host's declaration of an event, if it has one. */
  declaration(name: string): EventDecl<readonly unknown[]> | undefined;
  /** Raises an event locally (Zeek's event_mgr.Enqueue): the host's handlers run. */
  raise<A extends readonly unknown[]>(decl: EventDecl<A>, args: A): void;
  /** Writes a line to the host's cluster.log (`Cluster::log`). */
  clusterLog(message: string): void;
  /** Reporter warnings and errors of the host. */
  report(kind: "warning" | "error", message: string): void;
}
