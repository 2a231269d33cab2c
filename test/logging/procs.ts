// The remote-logging end-to-end tests' processes (test/harness/proc.ts): a `zeek-zmq logger` and
// push nodes, driven through their stdout lines and stdin commands.
import { resolve } from "node:path";
import { Proc } from "../harness/proc.js";
import { until } from "../harness/until.js";
import { CLI, ROOT, TEST_CWD } from "../paths.js";

export interface LoggerProc extends Proc {
  endpoint: string;
  metricsUrl: string;
}

/** Starts `zeek-zmq logger` with metrics on a free port; resolves once it listens. */
export async function startLogger(args: string[]): Promise<LoggerProc> {
  const p = Proc.node(CLI, ["logger", "--metrics-port", "0", ...args], { label: "logger", cwd: TEST_CWD, stdin: "ignore" }) as LoggerProc;
  p.metricsUrl = (await p.line(/^metrics on (\S+)$/))[1]!;
  p.endpoint = (await p.line(/^listening on (\S+)$/))[1]!;
  return p;
}

/** Starts a push node (test/logging/push-node.ts) connected to `endpoints`. */
export function startPushNode(name: string, endpoints: string[], sndhwm = 1000): Proc {
  return Proc.node(resolve(ROOT, "dist/test/logging/push-node.js"), ["--push-node", name, endpoints.join(","), String(sndhwm)], { label: name, cwd: TEST_CWD });
}

/** Sum of a metric's series (optionally only those whose labels contain `labels`). */
export async function metric(url: string, name: string, labels = ""): Promise<number> {
  const text = await (await fetch(url)).text();
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) continue;
    if (labels !== "" && !line.includes(labels)) continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

/** Waits until a logger's metric reaches `want` (no event tells a test when records hit the disk). */
export async function waitMetric(url: string, name: string, want: number, labels = ""): Promise<void> {
  await until(`${name}${labels} reaches ${want}`, () => metric(url, name, labels), (v) => v >= want);
}
