#!/usr/bin/env node
// The zeek-zmq command line: one subcommand per tool.
import { runDecode } from "./decode.js";

const USAGE = `usage: zeek-zmq <command> [options]

commands:
  decode    print raw ZeroMQ messages (captures or payloads) as JSON lines

Run "zeek-zmq <command> --help" for a command's options.`;

function write(stream: NodeJS.WriteStream): (s: string) => void {
  return (s) => void stream.write(s + "\n");
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case "decode":
      return runDecode(rest, write(process.stdout), write(process.stderr));
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
