import assert from "node:assert/strict";
import { test } from "node:test";
import { parseArgs } from "node:util";
import { layoutFromObject } from "../../src/cluster/layout.js";
import { optionFlagsForParseArgs } from "../../src/cluster/option-specs.js";
import {
  DEFAULT_NODE_OPTIONS,
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
  fails(() => resolveOptions({ cli: { "xpub-sndhwm": "-5" } }), "xpub_sndhwm", /flag --xpub-sndhwm: "-5" is not allowed; expected an integer in 0\.\.2147483647/);
  fails(() => resolveOptions({ env: { ZEEK_ZMQ_IPV6: "maybe" } }), "ipv6", /env ZEEK_ZMQ_IPV6: "maybe" .* boolean/);
  fails(() => resolveOptions({ file: { linger_ms: 1.5 }, fileName: "n.yaml" }), "linger_ms", /file n\.yaml key "linger_ms": 1\.5 .* -1\.\.2147483647/);
  fails(() => resolveOptions({ file: { connect_xsub_endpoint: "tcp://::1:5555" } }), "connect_xsub_endpoint", /not a ZeroMQ endpoint.*tcp:\/\/\[::1\]:PORT/);
  fails(() => resolveOptions({ file: { connect_xpub_endpoint: "tcp://h:0" } }), "connect_xpub_endpoint", /not a ZeroMQ endpoint/);
  // A bind endpoint may ask for any free port, as libzmq allows (":0" or ":*").
  assert.equal(resolveOptions({ file: { listen_xpub_endpoint: "tcp://h:0" } }).listenXpubEndpoint, "tcp://h:0");
  fails(() => resolveOptions({ file: { hello_expiration: "0 sec" } }), "hello_expiration", /positive interval/);
  fails(() => resolveOptions({ file: { xpub_sndwhm: 1 }, fileName: "f.json" }), "xpub_sndwhm", /file f\.json: unknown option "xpub_sndwhm"; known options: connect_xpub_endpoint/);
  fails(() => resolveOptions({ env: { ZEEK_ZMQ_XPUB_SNDWHM: "1" } }), "ZEEK_ZMQ_XPUB_SNDWHM", /unknown environment variable/);
  fails(() => resolveOptions({ env: { ZEEK_ZMQ_CURVE_SERVER_PUBLICKEY: KEY_A } }), "ZEEK_ZMQ_CURVE_SERVER_PUBLICKEY", /ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_SERVER_PUBLICKEY/);
  fails(() => resolveOptions({ cli: { "no-such": "1" } }), "no-such", /unknown flag --no-such/);
  fails(() => resolveOptions({ file: { debug_flags: 4 } }), "debug_flags", /0\.\.3/);
  fails(() => resolveOptions({ file: { curve_client_publickey: "short" } }), "curve_client_publickey", /exactly 40 characters/);
  fails(() => resolveOptions({ file: { metrics_port: 70000 } }), "metrics_port", /0\.\.65535/);
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
  assert.match(w[0] ?? "", /^xpub_sndbuf=65536 is ignored: .*SO_SNDBUF/);
  assert.match(w[2] ?? "", /^proxy_io_threads=4 is ignored/);
});
