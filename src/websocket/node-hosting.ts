// Zeek's WebSocket API hosted by a ClusterNode: `node.listenWebsocket(options)` (Zeek's
// Cluster::listen_websocket) and a layout node's `websocket:` entry. The cluster layer cannot
// import this one, so the method is added to ClusterNode here and the layout entry is served by a
// start hook (src/cluster/node-parts.ts); loading zeek-zmq's entry point loads this module.
import { ClusterNode } from "../cluster/node.js";
import { addNodeStartHook, type HostingNode } from "../cluster/node-parts.js";
import { NodeWebSockets } from "./host.js";
import { websocketOptionsFromObject, type WebSocketServerOptions } from "./options.js";
import type { WebSocketServer } from "./server.js";

declare module "../cluster/node.js" {
  interface ClusterNode {
    /**
     * `Cluster::listen_websocket(options)`: serves Zeek's WebSocket API (docs/websocket.md). Each
     * client becomes its own cluster participant `<node id>-websocket-<n>`; this node raises
     * Cluster::websocket_client_added/lost and writes them to cluster.log. Listening again with
     * the same options returns the same server. Call after start().
     */
    listenWebsocket(options: WebSocketServerOptions): Promise<WebSocketServer>;
    /** The WebSocket servers this node hosts (listenWebsocket calls and its layout entry's `websocket:`). */
    websocketServers(): WebSocketServer[];
  }
}

const hosted = new WeakMap<HostingNode, NodeWebSockets>();

/** The WebSocket servers of `node`, created on first use and closed with the node. */
function serversOf(node: HostingNode): NodeWebSockets {
  let servers = hosted.get(node);
  if (servers === undefined) {
    const ctx = node.hostContext();
    const created = (servers = new NodeWebSockets(ctx));
    hosted.set(node, created);
    ctx.onClose(() => created.close());
  }
  return servers;
}

ClusterNode.prototype.listenWebsocket = function listenWebsocket(this: ClusterNode, options: WebSocketServerOptions): Promise<WebSocketServer> {
  return serversOf(this).listen(options);
};

ClusterNode.prototype.websocketServers = function websocketServers(this: ClusterNode): WebSocketServer[] {
  return hosted.get(this)?.list() ?? [];
};

// A layout node with `websocket:` options hosts the API once started, as a Zeek manager calling listen_websocket.
addNodeStartHook(async (node) => {
  const raw = node.layoutEntry()?.websocket;
  if (raw !== undefined) await serversOf(node).listen(websocketOptionsFromObject(raw, `the layout's node "${node.name}"`));
});
