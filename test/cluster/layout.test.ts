import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ConfigError } from "../../src/errors.js";
import {
  brokerEndpoints,
  connectLogEndpoints,
  layoutFromObject,
  listenLogEndpoint,
  loadLayout,
  type LayoutDocument,
  type LayoutOptions,
} from "../../src/cluster/layout.js";
import { OPTION_SPECS } from "../../src/cluster/option-specs.js";
import { resolveOptions } from "../../src/cluster/options.js";

let dir = "";
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "zeek-zmq-layout-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, text);
  return p;
}

const YAML_LAYOUT = `
managerIsLogger: false
broker: { host: "::1", xpubPort: 5555, xsubPort: 5556 }
options:
  xpub_sndhwm: 500
nodes:
  manager: { type: manager, host: 127.0.0.1 }
  logger-1: { type: logger, host: "::1", port: 27832/tcp }
  logger-2: { type: logger, host: 10.0.0.2, port: 27833 }
  worker: { type: worker, host: 10.0.0.3, lbProcs: 2 }
`;

test("layout - YAML file: nodes, lb expansion, log and broker endpoints", async () => {
  const layout = await loadLayout(await file("cluster.yaml", YAML_LAYOUT));
  assert.deepEqual(layout.nodes.map((n) => n.name), ["manager", "logger-1", "logger-2", "worker-1", "worker-2"]);
  assert.equal(layout.managerIsLogger, false);
  assert.deepEqual(layout.options, { xpub_sndhwm: 500 });
  assert.deepEqual(connectLogEndpoints(layout, "worker-2"), ["tcp://[::1]:27832", "tcp://10.0.0.2:27833"]);
  assert.deepEqual(connectLogEndpoints(layout, "manager"), ["tcp://[::1]:27832", "tcp://10.0.0.2:27833"]);
  assert.deepEqual(connectLogEndpoints(layout, "logger-1"), []);
  assert.equal(listenLogEndpoint(layout, "logger-1"), "tcp://[::1]:27832");
  assert.equal(listenLogEndpoint(layout, "worker-1"), "");
  assert.deepEqual(brokerEndpoints(layout), {
    listenXpubEndpoint: "tcp://[::1]:5555",
    listenXsubEndpoint: "tcp://[::1]:5556",
    connectXsubEndpoint: "tcp://[::1]:5555",
    connectXpubEndpoint: "tcp://[::1]:5556",
  });
  assert.ok(Object.isFrozen(layout) && Object.isFrozen(layout.nodes[0]));
});

test("layout - JSON file; manager_is_logger defaults to T and keeps Zeek's unbracketed-IPv6 quirk", async () => {
  const layout = await loadLayout(
    await file("c.json", JSON.stringify({ nodes: [{ name: "manager", type: "manager", host: "fe80::1", port: 2000 }, { name: "w", type: "worker" }] })),
  );
  assert.equal(layout.managerIsLogger, true);
  assert.deepEqual(connectLogEndpoints(layout, "w"), ["tcp://fe80::1:2000"]);
  assert.equal(listenLogEndpoint(layout, "manager"), "tcp://[fe80::1]:2000");
  assert.deepEqual(connectLogEndpoints(layout, "manager"), []);
  assert.equal(brokerEndpoints(layout), undefined);
});

const NODE_CFG = `# zeekctl node.cfg
[logger-1]
type=logger
host=localhost

[manager]
type = manager
host = localhost

[proxy-1]
type=proxy
host=localhost

[worker-1]
type=worker
host=localhost
interface=eth0
lb_method=custom
lb_procs=3

; a second worker
[worker-2]
type=worker
host=127.0.0.1
interface=eth1
pin.cpus=1
bogus=1
`;

test("layout - zeekctl node.cfg: order, lb_procs names, ports as zeekctl+ZeroMQ allocates them", async () => {
  const layout = await loadLayout(await file("node.cfg", NODE_CFG));
  assert.deepEqual(
    layout.nodes.map((n) => [n.name, n.type, n.host, n.port, n.interface]),
    [
      ["manager", "manager", "127.0.0.1", 27763, undefined],
      ["logger-1", "logger", "127.0.0.1", 27764, undefined],
      ["proxy-1", "proxy", "127.0.0.1", 27765, undefined],
      ["worker-1-1", "worker", "127.0.0.1", 27766, "eth0"],
      ["worker-1-2", "worker", "127.0.0.1", 27767, "eth0"],
      ["worker-1-3", "worker", "127.0.0.1", 27768, "eth0"],
      ["worker-2", "worker", "127.0.0.1", 27769, "eth1"],
    ],
  );
  assert.equal(layout.managerIsLogger, false, "zeekctl writes F when there are loggers");
  assert.deepEqual(brokerEndpoints(layout)?.connectXsubEndpoint, "tcp://127.0.0.1:27760");
  assert.deepEqual(brokerEndpoints(layout)?.connectXpubEndpoint, "tcp://127.0.0.1:27761");
  assert.deepEqual(connectLogEndpoints(layout, "worker-1-2"), ["tcp://127.0.0.1:27764"]);
  assert.equal(layout.warnings.length, 1);
  assert.match(layout.warnings[0] ?? "", /node\.cfg:22: node "worker-2": ignoring unrecognized node config option 'bogus'/);
});

async function rejects(name: string, text: string, re: RegExp): Promise<void> {
  const p = await file(name, text);
  await assert.rejects(loadLayout(p), (err: unknown) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.match(err.message, re);
    assert.ok(err.message.includes(p), `names the file: ${err.message}`);
    return true;
  });
}

test("layout - validation errors name the file and the entry", async () => {
  await rejects("dup.json", JSON.stringify({ nodes: [{ name: "w", type: "worker" }, { name: "W", type: "worker" }, { name: "m", type: "manager" }] }), /node name "W" is a duplicate of "w"/);
  await rejects("nomgr.yaml", "nodes: { w: { type: worker } }", /no manager defined/);
  await rejects("port.yaml", "nodes: { m: { type: manager, port: 70000 } }", /node "m": port must be a TCP port 1\.\.65535.*70000/);
  await rejects("type.yaml", "nodes: { m: { type: boss } }", /node "m": type must be one of manager, logger, proxy, worker/);
  await rejects("key.yaml", "nodes: { m: { type: manager, prot: 1 } }", /node "m": unknown key "prot"/);
  await rejects("lg.yaml", "nodes: { m: { type: manager }, l: { type: logger } }", /logger "l" needs a port/);
  await rejects("bad.json", "{ nodes: ", /not valid JSON/);
  await rejects("bad.yaml", "nodes: [a, b", /not valid YAML/);
  await rejects("two.cfg", "[m]\ntype=manager\nhost=localhost\n[m2]\ntype=manager\nhost=localhost\n", /only one manager/);
  await rejects("lb.cfg", "[m]\ntype=manager\nhost=localhost\n[p]\ntype=proxy\nhost=localhost\nlb_procs=2\n", /node "p": load balancing node config options are only for worker nodes/);
  await rejects("lb0.cfg", "[m]\ntype=manager\nhost=localhost\n[w]\ntype=worker\nhost=localhost\nlb_method=custom\nlb_procs=0\n", /lb_procs must be an integer greater than zero/);
  await rejects("notype.cfg", "[m]\nhost=localhost\n", /notype\.cfg:1: node "m": no type given/);
  await rejects("nosec.cfg", "type=manager\n", /nosec\.cfg:1: "type" appears before any \[node-name\] section/);
  await rejects("x.txt", "", /unknown layout format/);
  await assert.rejects(loadLayout(join(dir, "missing.yaml")), /cannot read layout file/);
});

test("layout - Zeek-style keys and lb_procs expansion collide with an explicit name", () => {
  assert.throws(
    () => layoutFromObject({ nodes: { m: { node_type: "Cluster::MANAGER" }, w: { type: "worker", lbProcs: 2 }, "w-2": { type: "worker" } } }, "coll"),
    /coll: node name "w-2" is a duplicate of "w-2"/,
  );
});

test("layout - a typed document: every spelling the parser reads compiles, typos do not, and it is still checked", () => {
  const doc = {
    manager_is_logger: false,
    broker: { host: "::1", xpubPort: "5555/tcp", xsubPort: 5556 },
    options: { xpub_sndhwm: 500, xsubRcvhwm: "1000", "log-format": "json", ipv6: "F", hello_expiration: "10 sec", connect_log_endpoints: "tcp://127.0.0.1:1", core_metrics: ["INFO"] },
    nodes: {
      manager: { type: "manager", ip: "127.0.0.1", metrics_port: 9991, web: "127.0.0.1:8080" },
      "logger-1": { node_type: "Cluster::LOGGER", p: "27761/tcp" },
      worker: { type: "WORKER", interface: "eth0", lb_procs: 2 },
      ws: { type: "proxy", websocket: { listen_port: 27759 } },
    },
  } satisfies LayoutDocument;
  const layout = layoutFromObject(doc);
  assert.deepEqual(layout.nodes.map((n) => `${n.name}:${n.type}`), ["manager:manager", "logger-1:logger", "worker-1:worker", "worker-2:worker", "ws:proxy"]);
  assert.equal(layout.source, "layout");
  assert.deepEqual(layout.options, doc.options);
  // The option values the type admits are values the option parsers take.
  const opts = resolveOptions({ file: layout.options, fileName: "layout", layout, nodeName: "worker-1" });
  assert.deepEqual([opts.xpubSndhwm, opts.xsubRcvhwm, opts.logFormat, opts.ipv6, opts.helloExpiration, opts.coreMetrics], [500, 1000, "json", false, 10, ["INFO"]]);
  assert.deepEqual(layoutFromObject({ nodes: [{ name: "m", type: "manager", host: "10.0.0.1", port: 27761 }] }, "list").nodes[0], { name: "m", type: "manager", host: "10.0.0.1", port: 27761 });

  const typos: LayoutDocument[] = [
    // @ts-expect-error a node key that does not exist
    { nodes: { m: { type: "manager", hots: "10.0.0.1" } } },
    // @ts-expect-error a node type that does not exist
    { nodes: { m: { type: "manger" } } },
    // @ts-expect-error no type
    { nodes: { m: { host: "10.0.0.1" } } },
    // @ts-expect-error a port is TCP
    { nodes: { m: { type: "manager", port: "27761/udp" } } },
    // @ts-expect-error web is ADDR:PORT
    { nodes: { m: { type: "manager", web: "8080" } } },
    // @ts-expect-error nodes in a list need a name
    { nodes: [{ type: "manager" }] },
    // @ts-expect-error a top-level key that does not exist
    { nodes: { m: { type: "manager" } }, option: {} },
    // @ts-expect-error an option that does not exist
    { nodes: { m: { type: "manager" } }, options: { xpub_sndhwn: 500 } },
    // @ts-expect-error an option value of the wrong kind
    { nodes: { m: { type: "manager" } }, options: { xpub_sndhwm: true } },
    // @ts-expect-error an option value that is not one of its words
    { nodes: { m: { type: "manager" } }, options: { log_format: "jsn" } },
    // @ts-expect-error the broker needs both ports
    { nodes: { m: { type: "manager" } }, broker: { xpubPort: 5555 } },
  ];
  // What does not compile is refused at run time too (documents from files are not typed).
  for (const bad of [...typos.slice(0, 7), typos[10]!]) assert.throws(() => layoutFromObject(bad, "typo"), /typo: /);
  assert.throws(() => layoutFromObject({ nodes: {} }), /layout: no nodes defined/);
});

test("layout - LayoutOptions has every option under its three names", () => {
  // LayoutOptions derives Zeek's name from the TS key (camelCase -> snake_case) and the flag from
  // Zeek's name (_ -> -) at compile time; the specs must name them the same way.
  for (const s of OPTION_SPECS) {
    assert.equal(s.zeek, s.key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), s.key);
    assert.equal(s.flag, s.zeek.replaceAll("_", "-"), s.key);
  }
  const names: (keyof LayoutOptions)[] = ["xpub_sndhwm", "xpubSndhwm", "xpub-sndhwm", "curve_server_secretkey", "log_nats_url", "max_node_id_length", "ipv6"];
  assert.equal(names.length, 7);
});
