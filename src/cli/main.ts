#!/usr/bin/env node
// The zeek-zmq command line: one subcommand per tool, `help CMD` (the same text as `CMD --help`),
// `--version`, and one-line errors with the subcommand's name (exit 2: usage, 1: failure).
import { readFileSync } from "node:fs";
import { didYouMean } from "../suggest.js";
import { stderrLine, stdoutLine, type Command, type Print } from "./args.js";
import { BROKER_USAGE, runBroker } from "./broker.js";
import { CLUSTER_USAGE, runCluster } from "./cluster.js";
import { CONSOLE_USAGE, runConsole } from "./console.js";
import { DECODE_USAGE, runDecode } from "./decode.js";
import { KEYGEN_USAGE, runKeygen } from "./keygen.js";
import { LOGGER_USAGE, runLogger } from "./logger.js";
import { NODE_USAGE, runNode } from "./node.js";
import { optionsHelp } from "./options-doc.js";
import { PUBLISH_USAGE, runPublish } from "./publish.js";
import { runTap, TAP_USAGE } from "./tap.js";
import { runWebsocket, WEBSOCKET_USAGE } from "./websocket.js";

/** Every subcommand, in the order the command list shows them. */
export const COMMANDS: readonly Command[] = [
  { name: "cluster", summary: "run every node of a layout as supervised processes; no layout: the built-in demo", usage: CLUSTER_USAGE, run: runCluster },
  { name: "node", summary: "run one cluster node of a layout (optionally with your script)", usage: NODE_USAGE, run: runNode },
  { name: "broker", summary: "run the cluster's XPUB/XSUB broker on its own", usage: BROKER_USAGE, run: runBroker },
  { name: "console", summary: "serve a live web console of a cluster (any cluster, through its broker)", usage: CONSOLE_USAGE, run: runConsole },
  { name: "websocket", summary: "serve Zeek's WebSocket API: programs join the cluster with Broker JSON over WebSocket", usage: WEBSOCKET_USAGE, run: runWebsocket },
  { name: "logger", summary: "receive log writes (PULL) from Zeek or zeek-zmq nodes and write Zeek's log files", usage: LOGGER_USAGE, run: runLogger },
  { name: "tap", summary: "print live events of topic prefixes as Broker JSON lines", usage: TAP_USAGE, run: runTap },
  { name: "publish", summary: "publish one event (typed by its Zeek signature, JSON arguments)", usage: PUBLISH_USAGE, run: runPublish },
  { name: "decode", summary: "print raw ZeroMQ messages (captures or payloads) as JSON lines", usage: DECODE_USAGE, run: runDecode },
  { name: "keygen", summary: "print a CURVE key pair (or shell export lines for a cluster's keys)", usage: KEYGEN_USAGE, run: runKeygen },
  { name: "help", summary: 'show a command\'s help ("help CMD"), or every option ("help options")', usage: "usage: zeek-zmq help [COMMAND | options]", run: runHelp },
];

/** Help topics besides the commands. */
const TOPICS: Readonly<Record<string, () => string>> = { options: optionsHelp };

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `usage: zeek-zmq <command> [options]
       zeek-zmq --version | --help

commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}

Run "zeek-zmq help COMMAND" (or "zeek-zmq COMMAND --help") for a command's options, and
"zeek-zmq help options" for every option of the nodes (flags, layout keys, environment).`;
}

function unknown(word: string, what: string, out: Print, candidates: readonly string[]): number {
  out(`zeek-zmq: unknown ${what} ${JSON.stringify(word)}${didYouMean(word, candidates, (c) => `"${c}"`)}`);
  out('Run "zeek-zmq --help" for the list of commands.');
  return 2;
}

async function runHelp(argv: string[], out: Print, err: Print): Promise<number> {
  const [topic, ...extra] = argv;
  if (topic === undefined || topic === "--help" || topic === "-h") {
    out(usage());
    return 0;
  }
  if (extra.length > 0) {
    err(`zeek-zmq help: one topic at a time, got ${argv.join(" ")}`);
    return 2;
  }
  const cmd = COMMANDS.find((c) => c.name === topic);
  if (cmd) {
    out(cmd === COMMANDS.at(-1) ? usage() : cmd.usage);
    return 0;
  }
  const t = TOPICS[topic];
  if (t) {
    out(t());
    return 0;
  }
  return unknown(topic, "help topic", err, [...COMMANDS.map((c) => c.name), ...Object.keys(TOPICS)]);
}

export async function main(argv: string[], out: Print = stdoutLine, err: Print = stderrLine): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined) {
    err(usage());
    return 2;
  }
  if (cmd === "--help" || cmd === "-h") return runHelp([], out, err);
  if (cmd === "--version" || cmd === "-V") {
    out(`zeek-zmq ${version()}`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === cmd);
  if (command === undefined) return unknown(cmd, cmd.startsWith("-") ? "flag" : "command", err, cmd.startsWith("-") ? ["--version", "--help"] : COMMANDS.map((c) => c.name));
  return command.run(rest, out, err);
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
    // A bug, not a user error: the stack helps the report.
    process.stderr.write(`zeek-zmq ${process.argv[2] ?? ""}: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
