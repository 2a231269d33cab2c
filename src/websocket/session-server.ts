// What a client session needs of its server (apart from server.ts, so that the two know each
// other without an import circle).
import type { EventDecl } from "../codec/broker/typed.js";
import type { PackedMessage } from "../transport/index.js";
import type { ClientBackend, BackendEvents } from "./backend.js";
import type { WebSocketHost } from "./host-context.js";
import type { Refusal } from "./inbound.js";
import type { WebSocketTelemetry } from "./metrics.js";
import type { ResolvedWebSocketOptions } from "./options.js";
import type { Rendered } from "./render.js";

/** `S`: the session type (ClientSession). */
export interface SessionServer<S> {
  readonly host: WebSocketHost;
  readonly telemetry: WebSocketTelemetry;
  readonly apiPath: string;
  readonly options: ResolvedWebSocketOptions;
  readonly lookup: (name: string) => EventDecl<readonly unknown[]> | undefined;
  validApplicationName(name: string): boolean;
  clientAdded(s: S, subscriptions: string[]): void;
  clientGone(s: S, code: number, reason: string): void;
  clientError(s: S, e: Error & { code?: string }): void;
  refusal(s: S, r: Refusal): void;
  limitHit(reason: string, s: S, detail: string): void;
  malformed(): void;
  newBackend(nodeId: string, events: BackendEvents): ClientBackend;
  renderEvent(msg: PackedMessage): Rendered | undefined;
  report(kind: "warning" | "error", message: string): void;
}
