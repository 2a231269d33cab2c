import assert from "node:assert/strict";
import { test } from "node:test";
import { parseArgs } from "node:util";
import { layoutFromObject } from "../../src/cluster/layout.js";
import { optionFlagsForParseArgs } from "../../src/cluster/option-specs.js";
import {
  DEFAULT_NODE_OPTIONS,
  logWriterSettings,
  OPTION_SPECS,
  OptionError,
  isCurveClient,
  isCurveServer,
  resolveOptions,
  unhonouredOptionWarnings,
} from "../../src/cluster/options.js";
import { ConfigError } from "../../src/errors.js";

const KEY_A = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
const KEY_B = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";

function fails(fn: () => unknown, option: string, re: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.equal(err.option, option);
    assert.match(err.message, re);
    return true;
  });
}

test("options - defaults are the seed's", () => {
  const o = resolveOptions();
  assert.equal(o.connectXpubEndpoint, "tcp://127.0.0.1:5556");
  assert.equal(o.connectXsubEndpoint, "tcp://127.0.0.1:5555");
  assert.equal(o.listenXsubEndpoint, "tcp://127.0.0.1:5556");
  assert.equal(o.listenXpubEndpoint, "tcp://127.0.0.1:5555");
  assert.equal(o.ipv6, true);
  assert.equal(o.xpubSndhwm, 1000);
  assert.equal(o.xsubRcvhwm, 1000);
  assert.equal(o.xpubSndbuf, -1);
  assert.equal(o.onloopQueueHwm, 10000);
  assert.equal(o.pollMaxMessages, 100);
  assert.equal(o.lingerMs, 500);
  assert.equal(o.helloExpiration, 10);
  assert.equal(o.logImmediate, false);
  assert.equal(o.internalTopicPrefix, "zeek.zeromq.internal.");
  assert.equal(o.nodeTopicPrefix, "zeek.cluster.node");
  assert.equal(o.nodeidTopicPrefix, "zeek.cluster.nodeid");
  assert.equal(o.metricsPort, undefined);
  assert.ok(Object.isFrozen(o));
  assert.deepEqual(o, DEFAULT_NODE_OPTIONS);
});

test("options - precedence flag > env > file > layout > default, with all three name styles", () => {
  const layout = layoutFromObject(
    { managerIsLogger: false, broker: { host: "10.0.0.1", xpubPort: 6000, xsubPort: 6001 }, nodes: { manager: { type: "manager", metricsPort: 9991 }, l: { type: "logger", port: 7000 }, w: { type: "worker" } } },
    "l.yaml",
  );
  const o = resolveOptions({
    layout,
    nodeName: "w",
    file: { xpub_sndhwm: 1, xsubRcvhwm: 2, "linger-ms": 3, hello_expiration: "2 min", ipv6: false },
    env: { ZEEK_ZMQ_XPUB_SNDHWM: "10", ZEEK_ZMQ_XSUB_RCVHWM: "20", PATH: "/bin" },
    cli: { "xpub-sndhwm": "100", "connect-log-endpoints": ["tcp://a:1,tcp://b:2", "ipc:///tmp/x"] },
  });
  assert.equal(o.xpubSndhwm, 100);
  assert.equal(o.xsubRcvhwm, 20);
  assert.equal(o.lingerMs, 3);
  assert.equal(o.helloExpiration, 120);
  assert.equal(o.ipv6, false);
  assert.deepEqual(o.connectLogEndpoints, ["tcp://a:1", "tcp://b:2", "ipc:///tmp/x"]);
  assert.equal(o.connectXsubEndpoint, "tcp://10.0.0.1:6000", "from the layout's broker");
  assert.equal(o.runProxyThread, false);
  const m = resolveOptions({ layout, nodeName: "manager" });
  assert.equal(m.runProxyThread, true, "manager runs the broker by default");
  assert.equal(m.metricsPort, 9991);
  assert.deepEqual(m.connectLogEndpoints, ["tcp://127.0.0.1:7000"]);
  assert.equal(resolveOptions({ layout, nodeName: "l" }).listenLogEndpoint, "tcp://127.0.0.1:7000");
  assert.equal(resolveOptions({ layout, nodeName: "manager", cli: { "run-proxy-thread": "F" } }).runProxyThread, false);
});

test("options - parseArgs config from optionFlagsForParseArgs feeds resolveOptions", () => {
  const { values } = parseArgs({
    args: ["--xpub-sndhwm", "7", "--ipv6", "F", "--metrics-port", "0", "--connect-log-endpoints", "tcp://h:1"],
    options: optionFlagsForParseArgs(),
  });
  const o = resolveOptions({ cli: values });
  assert.equal(o.xpubSndhwm, 7);
  assert.equal(o.ipv6, false);
  assert.equal(o.metricsPort, 0);
  assert.deepEqual(o.connectLogEndpoints, ["tcp://h:1"]);
});

test("options - errors name the option, the source and what is allowed", () => {
  // The option is named as the user wrote it: the flag, the variable, the layout key.
  fails(() => resolveOptions({ cli: { "xpub-sndhwm": "-5" } }), "--xpub-sndhwm", /^--xpub-sndhwm: "-5" is not allowed; expected an integer in 0\.\.2147483647$/);
  fails(() => resolveOptions({ env: { ZEEK_ZMQ_IPV6: "maybe" } }), "ZEEK_ZMQ_IPV6", /^ZEEK_ZMQ_IPV6: "maybe" is not allowed; expected a boolean/);
  fails(() => resolveOptions({ file: { linger_ms: 1.5 }, fileName: "n.yaml" }), "linger_ms", /^linger_ms: 1\.5 in n\.yaml is not allowed; expected an integer in -1\.\.2147483647$/);
  fails(() => resolveOptions({ file: { lingerMs: "x" }, fileName: "n.yaml" }), "lingerMs", /^lingerMs: "x" in n\.yaml/);
  fails(() => resolveOptions({ file: { connect_xsub_endpoint: "tcp://::1:5555" } }), "connect_xsub_endpoint", /expected a ZeroMQ connect endpoint: .*tcp:\/\/\[::1\]:PORT/);
  fails(() => resolveOptions({ file: { connect_xpub_endpoint: "tcp://h:0" } }), "connect_xpub_endpoint", /expected a ZeroMQ connect endpoint/);
  fails(() => resolveOptions({ file: { connect_xpub_endpoint: "inproc://x" } }), "connect_xpub_endpoint", /expected a ZeroMQ connect endpoint/);
  // A bind endpoint may ask for any free port, as libzmq allows (":0" or ":*").
  assert.equal(resolveOptions({ file: { listen_xpub_endpoint: "tcp://h:0" } }).listenXpubEndpoint, "tcp://h:0");
  assert.equal(resolveOptions({ file: { listen_xpub_endpoint: "tcp://*:*" } }).listenXpubEndpoint, "tcp://*:*");
  fails(() => resolveOptions({ file: { hello_expiration: "0 sec" } }), "hello_expiration", /positive interval/);
  fails(() => resolveOptions({ cli: { "no-such": "1" } }), "--no-such", /unknown flag/);
  fails(() => resolveOptions({ file: { debug_flags: 4 } }), "debug_flags", /0\.\.3/);
  fails(() => resolveOptions({ file: { curve_client_publickey: "short" } }), "curve_client_publickey", /exactly 40 characters/);
  fails(() => resolveOptions({ file: { metrics_port: 70000 } }), "metrics_port", /0\.\.65535/);
  fails(() => resolveOptions({ cli: { "log-format": "xml" } }), "--log-format", /expected tsv or json/);
  fails(() => resolveOptions({ env: { ZEEK_LOG_SUFFIX: "../x" } }), "ZEEK_LOG_SUFFIX", /file extension/);
  // A bad flag is a usage error, a bad file or environment value a configuration error.
  assert.throws(() => resolveOptions({ cli: { "xpub-sndhwm": "x" } }), (e: unknown) => e instanceof OptionError && e.source === "flag");
  assert.throws(() => resolveOptions({ env: { ZEEK_ZMQ_XPUB_SNDHWM: "x" } }), (e: unknown) => e instanceof OptionError && e.source === "env");
});

test("options - unknown keys, flags and variables are errors with a suggestion", () => {
  fails(() => resolveOptions({ file: { xpub_sndwhm: 1 }, fileName: "f.json" }), "xpub_sndwhm", /^xpub_sndwhm: unknown option in f\.json; did you mean xpub_sndhwm\?/);
  fails(() => resolveOptions({ file: { completely_else: 1 }, fileName: "f.json" }), "completely_else", /^completely_else: unknown option in f\.json \("zeek-zmq help options"/);
  fails(() => resolveOptions({ env: { ZEEK_ZMQ_XPUB_SNDWHM: "1" } }), "ZEEK_ZMQ_XPUB_SNDWHM", /^ZEEK_ZMQ_XPUB_SNDWHM: unknown environment variable; did you mean ZEEK_ZMQ_XPUB_SNDHWM\?$/);
  fails(() => resolveOptions({ env: { ZEEK_ZMQ_CURVE_SERVER_PUBLICKEY: KEY_A } }), "ZEEK_ZMQ_CURVE_SERVER_PUBLICKEY", /ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_SERVER_PUBLICKEY/);
  fails(() => resolveOptions({ cli: { "xpub-sndwhm": "1" } }), "--xpub-sndwhm", /unknown flag; did you mean --xpub-sndhwm\?/);
  // Zeek's backend reads only its CURVE and broker-port variables: any other such variable is a mistake.
  fails(
    () => resolveOptions({ env: { ZEEK_CLUSTER_BACKEND_ZEROMQ_XPUB_SNDHWM: "abc" } }),
    "ZEEK_CLUSTER_BACKEND_ZEROMQ_XPUB_SNDHWM",
    /reads no such environment variable; did you mean ZEEK_ZMQ_XPUB_SNDHWM\?/,
  );
  // Other ZEEK_* variables (Zeek has many: ZEEKPATH, ZEEK_PLUGIN_PATH ...) are not ours to judge.
  assert.equal(resolveOptions({ env: { ZEEK_PLUGIN_PATH: "/x", ZEEKPATH: "/y" } }).xpubSndhwm, 1000);
});

test("options - Zeek's broker port variables (zeromq-multi-host-auto-setup) place the broker on the manager", () => {
  const layout = layoutFromObject({ nodes: { manager: { type: "manager", host: "10.0.0.5" }, w: { type: "worker" } } }, "l.json");
  const env = { ZEEK_CLUSTER_BACKEND_ZEROMQ_XPUB_PORT: "6001/tcp", ZEEK_CLUSTER_BACKEND_ZEROMQ_XSUB_PORT: "6002" };
  const w = resolveOptions({ layout, nodeName: "w", env });
  assert.equal(w.connectXsubEndpoint, "tcp://10.0.0.5:6001");
  assert.equal(w.connectXpubEndpoint, "tcp://10.0.0.5:6002");
  const m = resolveOptions({ layout, nodeName: "manager", env });
  assert.equal(m.listenXpubEndpoint, "tcp://10.0.0.5:6001");
  assert.equal(m.listenXsubEndpoint, "tcp://10.0.0.5:6002");
  // The layout's options still win over them (as a redef after the policy script would).
  assert.equal(resolveOptions({ layout, nodeName: "w", env, file: { connect_xsub_endpoint: "tcp://h:1" } }).connectXsubEndpoint, "tcp://h:1");
  fails(() => resolveOptions({ env: { ZEEK_CLUSTER_BACKEND_ZEROMQ_XPUB_PORT: "abc" } }), "ZEEK_CLUSTER_BACKEND_ZEROMQ_XPUB_PORT", /"abc" is not allowed; expected a TCP port/);
});

test("options - one spec per option: defaults, flags, variables and names all come from it", () => {
  const keys = Object.keys(DEFAULT_NODE_OPTIONS).sort();
  assert.deepEqual(OPTION_SPECS.map((s) => s.key).sort(), keys);
  const flags = optionFlagsForParseArgs();
  for (const s of OPTION_SPECS) {
    assert.equal(DEFAULT_NODE_OPTIONS[s.key], s.default, s.key);
    assert.equal(s.flag, s.zeek.replaceAll("_", "-"));
    assert.ok(flags[s.flag], s.flag);
    assert.equal(flags[s.flag]!.multiple === true, s.parser.list === true, s.flag);
    assert.ok(s.doc.length > 10, `${s.key} is documented`);
    // Every default passes its own parser (what the docs say is the default is a valid value).
    if (s.default !== undefined) assert.deepEqual(s.parser.parse(s.default), s.default, s.key);
    // A value set through each name lands under the TS key.
    const sample = s.parser.list && (s.default as readonly unknown[]).length === 0 ? ["tcp://127.0.0.1:1"] : s.default;
    if (sample !== undefined && s.key !== "logJsonPaths") assert.deepEqual(resolveOptions({ file: { [s.zeek]: sample } })[s.key], sample, s.zeek);
  }
  assert.equal(new Set(OPTION_SPECS.map((s) => s.env)).size, OPTION_SPECS.length, "environment names are unique");
  assert.equal(new Set(OPTION_SPECS.map((s) => s.zeek)).size, OPTION_SPECS.length, "names are unique");
});

test("options - logging options reach the log writer settings", () => {
  const o = resolveOptions({
    file: { log_dir: "/var/log/zeek", log_format: "json", log_json_paths: ["conn"], log_rotation_interval: "1 hr", log_rotation_postprocessor_cmd: "gzip" },
    env: { ZEEK_LOG_SUFFIX: "txt" },
  });
  assert.deepEqual(logWriterSettings(o), { dir: "/var/log/zeek", format: "json", formats: { conn: "json" }, suffix: "txt", rotationInterval: 3600, postRotateCommand: "gzip" });
  assert.equal(logWriterSettings(resolveOptions()).dir, process.cwd());
  assert.deepEqual(resolveOptions({ cli: { "log-json-paths": ["conn,dns", "http"] } }).logJsonPaths, ["conn", "dns", "http"]);
  assert.equal(resolveOptions({ cli: { "log-rotation-interval": "0" } }).logRotationInterval, 0);
});

test("options - CURVE: Zeek's env names, client/server enablement, no mixing, no half configs", () => {
  const env = {
    ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_SERVER_PUBLICKEY: KEY_A,
    ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_CLIENT_PUBLICKEY: KEY_B,
    ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_CLIENT_SECRETKEY: KEY_A,
  };
  const client = resolveOptions({ env });
  assert.ok(isCurveClient(client) && !isCurveServer(client));
  assert.equal(client.curveClientPublickey, KEY_B);
  const server = resolveOptions({ file: { curve_server_secretkey: KEY_A, curve_client_publickey: KEY_B } });
  assert.ok(isCurveServer(server) && !isCurveClient(server));
  fails(() => resolveOptions({ env, cli: { "curve-server-secretkey": KEY_B } }), "curve", /both in the file\/flags and in ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_\*/);
  fails(() => resolveOptions({ file: { curve_server_publickey: KEY_A } }), "curve", /incomplete CURVE configuration/);
});

test("options - start-up warnings for what Node cannot honour", () => {
  assert.deepEqual(unhonouredOptionWarnings(resolveOptions()), []);
  const w = unhonouredOptionWarnings(resolveOptions({ file: { xpub_sndbuf: 65536, log_rcvbuf: 1, proxy_io_threads: 4, run_proxy_thread: true } }));
  assert.equal(w.length, 3);
  assert.ok(w.some((l) => /^xpub_sndbuf=65536 is ignored: .*SO_SNDBUF/.test(l)), w.join("\n"));
  assert.ok(w.some((l) => /^proxy_io_threads=4 is ignored/.test(l)), w.join("\n"));
});
