#!/usr/bin/env node
// The zeek-zmq command line: one subcommand per tool.
import { runBroker } from "./broker.js";
import { runCluster } from "./cluster.js";
import { runDecode } from "./decode.js";
import { runKeygen } from "./keygen.js";
import { runLogger } from "./logger.js";
import { runNode } from "./node.js";
import { runPublish } from "./publish.js";
import { runTap } from "./tap.js";
import { runWebsocket } from "./websocket.js";

const USAGE = `usage: zeek-zmq <command> [options]

commands:
  cluster   run every node of a layout as supervised processes; no layout: the built-in demo
  node      run one cluster node of a layout (optionally with your script)
  broker    run the cluster's XPUB/XSUB broker on its own
  tap       print live events of topic prefixes as Broker JSON lines
  publish   publish one event (typed by its Zeek signature, JSON arguments)
  decode    print raw ZeroMQ messages (captures or payloads) as JSON lines
  logger    receive log writes (PULL) from Zeek or zeek-zmq nodes and write Zeek's log files
  websocket serve Zeek's WebSocket API: programs join the cluster with Broker JSON over WebSocket

Run "zeek-zmq <command> --help" for a command's options.`;

function write(stream: NodeJS.WriteStream): (s: string) => void {
  return (s) => void stream.write(s + "\n");
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case "decode":
      return runDecode(rest, write(process.stdout), write(process.stderr));
    case "logger":
      return runLogger(rest);
    case "broker":
      return runBroker(rest);
    case "node":
      return runNode(rest);
    case "cluster":
      return runCluster(rest);
    case "tap":
      return runTap(rest);
    case "publish":
      return runPublish(rest);
    case "websocket":
      return runWebsocket(rest);
    case "keygen":
      return runKeygen(rest, write(process.stdout), write(process.stderr));
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(USAGE + "\n");
      return cmd === undefined ? 2 : 0;
    default:
      process.stderr.write(`zeek-zmq: unknown command ${JSON.stringify(cmd)}\n\n${USAGE}\n`);
      return 2;
  }
}

// A closed pipe (e.g. "| head") ends output quietly, like other Unix tools.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`zeek-zmq: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
