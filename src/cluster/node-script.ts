// The shape of a node script (`zeek-zmq node --script FILE`): a module whose default export
// gets the node before it starts. Declared here, below the CLI that runs scripts, so that the
// library's entry point can export it.
import type { ClusterLayout, NodeType } from "./layout.js";
import type { ClusterNode } from "./node.js";
import type { NodeOptions } from "./options.js";

/** What a node script gets besides the node. */
export interface NodeScriptContext {
  /** The node's type in the layout (undefined without a layout). */
  readonly type: NodeType | undefined;
  readonly layout: ClusterLayout | undefined;
  readonly options: NodeOptions;
  /** Resolves once the node is ready to publish. */
  readonly ready: Promise<void>;
  /** Aborted when the node stops: clear timers and the like here. */
  readonly signal: AbortSignal;
}

/**
 * A `--script` module's default export. Runs before the node starts (register handlers here);
 * publish once `ctx.ready` resolves. May return (a promise of) a cleanup function run at stop.
 */
export type NodeScript = (node: ClusterNode, ctx: NodeScriptContext) => unknown;
