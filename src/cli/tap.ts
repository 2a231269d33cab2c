// `zeek-zmq tap PREFIX...`: subscribes to topic prefixes at the broker and prints every event as
// one Broker JSON v1 line, exactly as Zeek's WebSocket API renders a data message.
import { ClusterNode } from "../cluster/node.js";
import { eventToData } from "../codec/broker/event.js";
import { dataMessageText } from "../codec/broker/json.js";
import { ConfigError } from "../errors.js";
import { deadline, integerFlag, isTimeout, OPTION_FLAGS, optionFlagValues, parseCommand, resolveCommandOptions, runCommand, secondsFlag, stderrLine, stdoutLine, stopRequest, UsageError, type Print } from "./args.js";

export const TAP_USAGE = `usage: zeek-zmq tap [options] PREFIX...

Prints every event published to a topic starting with one of the PREFIXes, one JSON line each:
  {"type":"data-message","topic":"zeek.cluster.manager","@data-type":"vector","data":[...]}
("" taps everything). Once subscribed it says so on stderr. Runs until SIGINT/SIGTERM.

  --connect-xpub-endpoint E  the broker's XSUB (default tcp://127.0.0.1:5556)
  --connect-xsub-endpoint E  the broker's XPUB (default tcp://127.0.0.1:5555)
  --layout FILE              take the broker endpoints and options from a layout
  --count N                  exit after N events
  --timeout SECONDS          give up if the broker does not answer within this long (default 5; 0 = wait)
  --name NAME                node name in the tap's id (default zeek-zmq-tap)
  --<option> VALUE           any other backend option under Zeek's name (e.g. --xsub-rcvhwm 10000)`;

export function runTap(argv: string[], out: Print = stdoutLine, err: Print = stderrLine): Promise<number> {
  return runCommand("tap", err, async () => {
    const args = parseCommand(
      argv,
      { ...OPTION_FLAGS, layout: { type: "string" }, count: { type: "string" }, timeout: { type: "string" }, name: { type: "string" } },
      true,
    );
    if (args.flag("help")) {
      out(TAP_USAGE);
      return 0;
    }
    if (args.positionals.length === 0) throw new UsageError('at least one topic PREFIX is required ("" for every topic)');
    const count = integerFlag("count", args.string("count"), 1);
    const timeout = secondsFlag("timeout", args.string("timeout"), 5);
    const { options } = await resolveCommandOptions({ layoutPath: args.string("layout"), cli: optionFlagValues(args) });

    const done = new AbortController();
    const stop = stopRequest(done.signal);
    const node = new ClusterNode({ name: args.string("name") ?? "zeek-zmq-tap", options: { ...options, runProxyThread: false }, discovery: false });
    let seen = 0;
    node.onAnyEvent((topic, event) => {
      if (count !== undefined && seen >= count) return;
      out(dataMessageText(topic, eventToData(event)));
      if (++seen === count) done.abort();
    });
    for (const p of args.positionals) node.subscribe(p);
    const limit = deadline(timeout);
    // Zeek's Reporter::fatal, e.g. CURVE keys the broker refuses: the node closed itself.
    let fatal: ConfigError | undefined;
    node.on("fatal", (m) => {
      fatal = new ConfigError("broker", m);
      limit.abort(fatal);
      done.abort();
    });
    try {
      const started = node.start({ signal: limit.signal });
      started.catch(() => undefined); // after a stop request nobody waits for it
      const first = await Promise.race([started.then(() => "ready"), stop.stopped]);
      limit.clear();
      if (first === "ready") {
        err(`zeek-zmq tap: subscribed to ${args.positionals.map((p) => JSON.stringify(p)).join(", ")} at ${options.connectXsubEndpoint}`);
        await stop.stopped;
      }
      if (fatal) throw fatal;
    } catch (e) {
      if (!isTimeout(e)) throw e;
      throw new ConfigError(
        "broker",
        `no broker answered within ${timeout} s (connect_xsub_endpoint ${options.connectXsubEndpoint}, connect_xpub_endpoint ${options.connectXpubEndpoint}); is one running?`,
      );
    } finally {
      limit.clear();
      stop.dispose();
      await node.close();
    }
    return 0;
  });
}
