// The WebSocket fixture recorded from a real Zeek 8.2.2 server (fixtures/zeek-8.2.2/websocket).
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { FIXTURES } from "../paths.js";

export interface Entry {
  case: string;
  dir: "send" | "recv" | "close" | "error";
  text?: string;
  code?: number;
  reason?: string;
}

/** The Zeek manager's node id in the recording: using it, nothing needs normalising. */
export const FIXTURE_NODE_ID = "zeromq_manager_vm_24849_NuaWZD3jbCLvOm3sta";

export function transcript(): Entry[] {
  return readFileSync(resolve(FIXTURES, "websocket/transcript.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Entry);
}

/** The manager's stdout lines of the recording. */
export function managerOutput(): string[] {
  return readFileSync(resolve(FIXTURES, "websocket/node-output/manager.stdout"), "utf8").split("\n").filter((l) => l !== "");
}
