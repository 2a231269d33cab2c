// Parts a higher layer adds to every ClusterNode (the WebSocket API in src/websocket): cluster
// cannot import them, so they register here and the node runs them at start and close. A part
// sees the node through NodeHostContext only.
import type { EventDecl } from "../codec/broker/typed.js";
import type { MetricsRegistry } from "../telemetry/registry.js";
import type { ClusterNode as LayoutNode } from "./layout-model.js";
import type { EventFormat } from "./node-types.js";
import type { NodeOptions } from "./options.js";

/** What a hosted part may use of its node, once the node has started. */
export interface NodeHostContext {
  readonly name: string;
  readonly nodeId: string;
  readonly options: NodeOptions;
  readonly registry: MetricsRegistry;
  readonly eventFormat: EventFormat;
  /** Where the node's XPUB and XSUB connect: the broker. */
  brokerEndpoints(): { xpub: string; xsub: string };
  /** The declaration of an event the node handles, if any. */
  declaration(name: string): EventDecl<readonly unknown[]> | undefined;
  /** Runs the node's handlers of `decl` (events the node raises itself). */
  raise(decl: EventDecl<readonly unknown[]>, args: readonly unknown[]): void;
  /** A line of Zeek's cluster.log. */
  clusterLog(message: string): void;
  report(kind: "warning" | "error", message: string): void;
  /** Runs `close` when the node closes, before its sockets. */
  onClose(close: () => Promise<void>): void;
}

/** A started node as its hosted parts see it. */
export interface HostingNode {
  readonly name: string;
  /** Throws before start() and after close(). */
  hostContext(): NodeHostContext;
  /** This node's entry of the layout, if any. */
  layoutEntry(): LayoutNode | undefined;
}

/** Runs once a node is ready to publish (e.g. a layout node's `websocket:` entry). */
export type NodeStartHook = (node: HostingNode) => Promise<void>;

const startHooks: NodeStartHook[] = [];

/** Registers a hook every node runs at the end of start(). */
export function addNodeStartHook(hook: NodeStartHook): void {
  if (!startHooks.includes(hook)) startHooks.push(hook);
}

/** @internal */
export function nodeStartHooks(): readonly NodeStartHook[] {
  return startHooks;
}
