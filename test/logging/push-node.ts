// A log-writing node process for the end-to-end tests (the test runner also loads this file; it
// does nothing unless started with --push-node). Commands arrive as stdin lines, answers go to
// stdout:
//   write N   -> writes N conn-like records through a typed stream, flushes: "wrote N"
//   replay    -> sends the 58 real Zeek log-write messages of the fixture capture as captured
//                (Zeek's node id included): "replayed 58"
//   stats     -> "stats {json}" of the sender
//   close     -> closes (linger) and exits 0
// Usage: node push-node.js --push-node NODE_NAME ENDPOINT[,ENDPOINT...] [SNDHWM]
import { createInterface } from "node:readline";
import { z } from "../../src/codec/broker/types.js";
import { makeNodeId } from "../../src/cluster/topics.js";
import { LogSender } from "../../src/logging/sender.js";
import { Log } from "../../src/logging/stream.js";
import { parseCapture } from "../../src/cli/capture.js";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { LOGS_DIR } from "../zeek-log/fixtures.js";

export const connColumns = z.record({
  ts: z.time,
  uid: z.string,
  id: z.record({ orig_h: z.addr, orig_p: z.port, resp_h: z.addr, resp_p: z.port }),
  proto: z.enum(),
  seq: z.count,
  node: z.string,
  service: z.optional(z.string),
});

async function main(argv: string[]): Promise<void> {
  const [name, endpoints, hwm] = argv;
  if (name === undefined || endpoints === undefined) throw new Error("usage: --push-node NODE_NAME ENDPOINTS [SNDHWM]");
  const nodeId = makeNodeId(name);
  const sender = new LogSender({ nodeId, endpoints: endpoints.split(","), sendHighWaterMark: Number(hwm ?? 1000), linger: -1 });
  const log = new Log({ sink: sender, writeBufferSize: 100 });
  const conn = log.createStream({ id: "Conn::LOG", columns: connColumns });
  let seq = 0;
  const out = (s: string): void => void process.stdout.write(s + "\n");
  for await (const line of createInterface({ input: process.stdin })) {
    const [cmd, arg] = line.trim().split(/\s+/);
    if (cmd === "write") {
      const n = Number(arg);
      for (let i = 0; i < n; i++, seq++)
        conn.write({
          ts: 1700000000 + seq / 1000,
          uid: `C${seq.toString(36).padStart(8, "0")}`,
          id: { orig_h: `10.0.${(seq >> 8) & 255}.${seq & 255}`, orig_p: `${1024 + (seq % 60000)}/tcp`, resp_h: "192.0.2.1", resp_p: "80/tcp" },
          proto: "tcp",
          seq: BigInt(seq),
          node: name,
          ...(seq % 3 === 0 ? { service: "http" } : {}),
        });
      log.flush();
      out(`wrote ${n}`);
    } else if (cmd === "replay") {
      const text = readFileSync(resolve(LOGS_DIR, "logs.capture.jsonl"), "utf8");
      let n = 0;
      for (const m of parseCapture(text)) {
        if (m instanceof Error) throw m;
        if (!sender.socket!.send(m.parts)) throw new Error("HWM during replay");
        n++;
      }
      out(`replayed ${n}`);
    } else if (cmd === "stats") {
      out(`stats ${JSON.stringify(sender.stats)}`);
    } else if (cmd === "close") {
      log.close();
      await sender.close();
      out("closed");
      return;
    }
  }
}

if (process.argv[2] === "--push-node")
  main(process.argv.slice(3)).then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`push-node: ${(e as Error).stack}\n`);
      process.exit(1);
    },
  );
