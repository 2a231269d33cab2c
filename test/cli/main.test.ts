// The `zeek-zmq` command as operators expect a tool to behave: --version, help for every command
// (the same text as CMD --help), suggestions for typos, one-line errors naming the subcommand,
// exit 2 for usage errors and 1 for failures, shell-safe keygen output, and a status table that
// redraws in place on a narrow terminal.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parseCommand } from "../../src/cli/args.js";
import { curvePublicKey } from "../../src/transport/curve.js";
import { z85Decode, z85Encode } from "../../src/transport/z85.js";
import { CLI, ROOT } from "../paths.js";
import { renderTerminal } from "./terminal.js";

const COMMANDS = ["cluster", "node", "broker", "logger", "tap", "publish", "decode", "keygen", "help"];

function run(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const cwd = mkdtempSync(join(tmpdir(), "zeek-zmq-main-test-"));
  try {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env, cwd, timeout: 20_000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

test("main - --version and -V print the package version", () => {
  const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
  for (const flag of ["--version", "-V"]) assert.deepEqual(run([flag]), { code: 0, out: `zeek-zmq ${version}\n`, err: "" });
});

test("main - the command list names every command; help CMD is CMD --help", () => {
  const top = run(["--help"]);
  assert.equal(top.code, 0);
  for (const c of COMMANDS) assert.match(top.out, new RegExp(`^  ${c} +\\S`, "m"), `${c} is listed`);
  assert.equal(run(["help"]).out, top.out);
  for (const c of COMMANDS.filter((x) => x !== "help")) {
    const help = run(["help", c]);
    assert.equal(help.code, 0, c);
    assert.match(help.out, new RegExp(`^usage: zeek-zmq ${c}\\b`), c);
    assert.deepEqual(run([c, "--help"]), help, `help ${c} = ${c} --help`);
    assert.deepEqual(run([c, "-h"]), help, `help ${c} = ${c} -h`);
  }
  // No command: the usage on stderr, a usage error.
  const none = run([]);
  assert.equal(none.code, 2);
  assert.equal(none.err, top.out);
});

test("main - help options lists every option with its flag, layout key, variable and default", () => {
  const r = run(["help", "options"]);
  assert.equal(r.code, 0);
  assert.match(r.out, /^ {2}--xpub-sndhwm VALUE\n {6}Send high-water mark .*\n {6}layout: xpub_sndhwm; env: ZEEK_ZMQ_XPUB_SNDHWM; default: 1000$/m);
  assert.match(r.out, /layout: curve_server_secretkey; env: ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_SERVER_SECRETKEY;/);
  assert.match(r.out, /layout: log_suffix; env: ZEEK_LOG_SUFFIX; default: `?log/);
});

test("main - did-you-mean for commands, flags, layout option keys and variables", () => {
  assert.deepEqual(run(["clustr"]), { code: 2, out: "", err: 'zeek-zmq: unknown command "clustr"; did you mean "cluster"?\nRun "zeek-zmq --help" for the list of commands.\n' });
  assert.equal(run(["help", "lgger"]).err.split("\n")[0], 'zeek-zmq: unknown help topic "lgger"; did you mean "logger"?');
  const typos: [args: string[], typed: string, suggestion: string][] = [
    [["cluster", "--duraton", "1"], "--duraton", "--duration"],
    [["node", "--nmae", "x"], "--nmae", "--name"],
    [["node", "--name", "x", "--xpub-sndwhm", "1"], "--xpub-sndwhm", "--xpub-sndhwm"],
    [["broker", "--xpubb", "tcp://127.0.0.1:0"], "--xpubb", "--xpub"],
    [["logger", "--formt", "json"], "--formt", "--format"],
    [["tap", "--cuont", "1", "x"], "--cuont", "--count"],
    [["publish", "--timout", "1", "t", "E()"], "--timout", "--timeout"],
    [["decode", "--headr", "x"], "--headr", "--header"],
    [["keygen", "--evn"], "--evn", "--env"],
  ];
  for (const [args, typed, suggestion] of typos) {
    const r = run(args);
    assert.equal(r.code, 2, args.join(" "));
    assert.equal(r.err, `zeek-zmq ${args[0]}: unknown flag ${typed}; did you mean ${suggestion}?\nRun "zeek-zmq ${args[0]} --help" for its options.\n`, args.join(" "));
  }
  const dir = mkdtempSync(join(tmpdir(), "zeek-zmq-main-test-"));
  try {
    const layout = join(dir, "l.json");
    writeFileSync(layout, JSON.stringify({ nodes: { manager: { type: "manager" } }, options: { xpub_sndwhm: 5 } }));
    const r = run(["node", "--name", "manager", "--layout", layout]);
    assert.equal(r.code, 1);
    assert.equal(r.err, `zeek-zmq node: xpub_sndwhm: unknown option in ${layout}; did you mean xpub_sndhwm? ("zeek-zmq help options" lists them all)\n`);
    const typo = join(dir, "typo.json");
    writeFileSync(typo, JSON.stringify({ nodes: { manager: { type: "manager", prot: 5 } } }));
    const c = run(["cluster", typo]);
    assert.deepEqual(c, { code: 1, out: "", err: `zeek-zmq cluster: layout: ${typo}: node "manager": unknown key "prot"; did you mean "port"?\n` });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const env = run(["broker"], { ...process.env, ZEEK_ZMQ_LINGR_MS: "1" });
  assert.deepEqual(env, { code: 1, out: "", err: "zeek-zmq broker: ZEEK_ZMQ_LINGR_MS: unknown environment variable; did you mean ZEEK_ZMQ_LINGER_MS?\n" });
});

test("main - Zeek's own variables are checked: a bad value or a variable Zeek does not read is an error, not ignored", () => {
  for (const cmd of [["node", "--name", "x"], ["broker"], ["tap", "x"], ["publish", "t", "E()"], ["logger", "--listen", "tcp://127.0.0.1:0"]]) {
    const r = run(cmd, { ...process.env, ZEEK_CLUSTER_BACKEND_ZEROMQ_XPUB_SNDHWM: "abc" });
    assert.equal(r.code, 1, `${cmd[0]}: ${r.err}`);
    assert.equal(
      r.err,
      `zeek-zmq ${cmd[0]}: ZEEK_CLUSTER_BACKEND_ZEROMQ_XPUB_SNDHWM: Zeek's ZeroMQ backend reads no such environment variable; did you mean ZEEK_ZMQ_XPUB_SNDHWM? (zeek-zmq's variables are ZEEK_ZMQ_<OPTION>)\n`,
    );
  }
  const port = run(["broker"], { ...process.env, ZEEK_CLUSTER_BACKEND_ZEROMQ_XPUB_PORT: "abc" });
  assert.equal(port.code, 1);
  assert.equal(port.err, 'zeek-zmq broker: ZEEK_CLUSTER_BACKEND_ZEROMQ_XPUB_PORT: "abc" is not allowed; expected a TCP port 1..65535 such as 5555 or 5555/tcp\n');
  const key = run(["broker"], { ...process.env, ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_SERVER_SECRETKEY: "short" });
  assert.equal(key.code, 1);
  assert.match(key.err, /^zeek-zmq broker: ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_SERVER_SECRETKEY: "short" is not allowed; expected a Z85-encoded CURVE key/);
  const suffix = run(["logger", "--listen", "tcp://127.0.0.1:0"], { ...process.env, ZEEK_LOG_SUFFIX: "a/b" });
  assert.equal(suffix.code, 1);
  assert.match(suffix.err, /^zeek-zmq logger: ZEEK_LOG_SUFFIX: "a\/b" is not allowed/);
});

test("main - every command: usage errors are one line plus a --help pointer with exit 2, failures one line with exit 1", () => {
  const usage: string[][] = [
    ["cluster", "a.json", "b.json"],
    ["node"],
    ["broker", "--metrics-port", "x"],
    ["logger"],
    ["logger", "--listen", "tcp://127.0.0.1:0", "--format", "xml"],
    ["tap"],
    ["publish", "t"],
    ["decode"],
    ["keygen", "extra"],
  ];
  for (const args of usage) {
    const r = run(args, { ...process.env, CLUSTER_NODE: "" });
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.err}`);
    const lines = r.err.trimEnd().split("\n");
    assert.equal(lines.length, 2, r.err);
    assert.match(lines[0]!, new RegExp(`^zeek-zmq ${args[0]}: \\S`));
    assert.equal(lines[1], `Run "zeek-zmq ${args[0]} --help" for its options.`);
  }
  const failures: string[][] = [
    ["cluster", "/nonexistent/layout.json"],
    ["node", "--name", "x", "--layout", "/nonexistent/layout.json"],
    ["decode", "/nonexistent/capture.jsonl"],
    ["logger", "--listen", "ipc:///nonexistent/dir/x.sock"],
    ["tap", "--timeout", "0.3", "--connect-xsub-endpoint", "tcp://127.0.0.1:1", "x"],
  ];
  for (const args of failures) {
    const r = run(args);
    assert.equal(r.code, 1, `${args.join(" ")}: ${r.err}`);
    const lines = r.err.trimEnd().split("\n").filter((l) => !/warning|SIGTERM/.test(l));
    assert.equal(lines.length, 1, r.err);
    assert.match(lines[0]!, new RegExp(`^zeek-zmq ${args[0]}: \\S`), r.err);
  }
});

test("main - a flag value may start with \"-\" (Z85 keys do, --linger-ms -1); one spelled like a flag needs \"=\"", () => {
  const flags = { key: { type: "string" }, "linger-ms": { type: "string" }, verbose: { type: "boolean", short: "v" } } as const;
  const key = "-" + "x".repeat(39);
  const p = parseCommand(["--key", key, "--linger-ms", "-1", "-v", "pos"], flags, true);
  assert.deepEqual([p.string("key"), p.string("linger-ms"), p.flag("verbose"), p.positionals], [key, "-1", true, ["pos"]]);
  assert.equal(parseCommand(["--key=--verbose"], flags).string("key"), "--verbose");
  assert.throws(() => parseCommand(["--key", "--verbose"], flags), /^UsageError: --key needs a value; a value spelled like a flag needs "=": --key=VALUE$/);
  assert.throws(() => parseCommand(["--key", "-v"], flags), /--key needs a value/);
});

test("main - keygen --env prints export lines a shell reads back exactly (Z85 has $ ( & < >)", () => {
  const r = run(["keygen", "--env"]);
  assert.equal(r.code, 0, r.err);
  const names = ["SERVER_PUBLICKEY", "SERVER_SECRETKEY", "CLIENT_PUBLICKEY", "CLIENT_SECRETKEY"].map((n) => `ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_${n}`);
  const lines = r.out.trimEnd().split("\n");
  assert.equal(lines.length, 4);
  const written: string[] = [];
  lines.forEach((l, i) => {
    const m = new RegExp(`^export ${names[i]}='([^']{40})'$`).exec(l);
    assert.ok(m, l);
    written.push(m[1]!);
  });
  // What bash reads back from the lines is exactly the keys (a value with $ or ( unquoted would not be).
  const sh = spawnSync("bash", ["-c", `${r.out}\nprintf '%s\\n' ${names.map((n) => `"$${n}"`).join(" ")}`], { encoding: "utf8" });
  assert.equal(sh.status, 0, sh.stderr);
  assert.deepEqual(sh.stdout.trimEnd().split("\n"), written);
  assert.equal(z85Encode(curvePublicKey(z85Decode(written[1]!))), written[0], "a server pair");
  assert.equal(z85Encode(curvePublicKey(z85Decode(written[3]!))), written[2], "a client pair");
  // And they work: a node started with them is a CURVE client the checks accept.
  const env = Object.fromEntries(names.map((n, i) => [n, written[i]!]));
  const help = run(["broker", "--metrics-port", "x"], { ...process.env, ...env });
  assert.match(help.err, /--metrics-port/, "the keys pass option validation");
});

test("main - on a narrow terminal the status table is redrawn in place, not stacked", { skip: spawnSync("script", ["--version"]).status !== 0 ? "needs util-linux script(1) for a pseudo-terminal" : false }, () => {
  const cols = 40;
  const rows = 40;
  const r = spawnSync("script", ["-qfec", `stty cols ${cols} rows ${rows}; exec "${process.execPath}" "${CLI}" cluster --duration 6`, "/dev/null"], {
    encoding: "utf8",
    timeout: 60_000,
    cwd: tmpdir(),
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const seen = renderTerminal(r.stdout, cols, rows);
  // The table's title line wraps at 40 columns; one table is left, after everything else.
  const titles = seen.filter((l) => l.startsWith("zeek-zmq cluster: demo - 0:"));
  assert.equal(titles.length, 1, seen.join("\n"));
  const headers = seen.filter((l) => l.startsWith("NODE "));
  assert.equal(headers.length, 1, seen.join("\n"));
  // The nodes' output scrolled above the table, and the end is below it.
  assert.ok(seen.findIndex((l) => l.startsWith("manager | Demo totals")) < seen.indexOf(titles[0]!), seen.join("\n"));
  assert.ok(seen.some((l) => l === "zeek-zmq cluster: all nodes stopped"), seen.join("\n"));
});
