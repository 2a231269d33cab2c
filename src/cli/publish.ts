// `zeek-zmq publish TOPIC SIGNATURE ARGS...`: publishes one event, typed by Zeek's signature text,
// with arguments given as JSON. Waits until ready to publish (the broker's subscriptions have
// arrived, so the event is not filtered away), publishes, and closes with linger so it leaves.
import { ClusterNode } from "../cluster/node.js";
import { decodeJsonData } from "../codec/broker/json.js";
import type { Data } from "../codec/broker/data.js";
import { eventFromSignature, type EventDecl } from "../codec/broker/typed.js";
import { typeName, type ZType } from "../codec/broker/types.js";
import { ConfigError, DecodeError, EncodeError } from "../errors.js";
import { deadline, eventFormatFlag, isTimeout, OPTION_FLAGS, optionFlagValues, parseCommand, resolveCommandOptions, runCommand, secondsFlag, stderrLine, stdoutLine, UsageError, type Print } from "./args.js";

export const PUBLISH_USAGE = `usage: zeek-zmq publish [options] TOPIC SIGNATURE [ARG...]

Publishes one event to TOPIC, e.g.
  zeek-zmq publish zeek.cluster.worker 'Demo::ping(from: string, n: count)' '"cli"' 1
SIGNATURE is Zeek's event signature; each ARG is JSON converted to the declared type:
  count, int      a JSON integer or a decimal string ("18446744073709551615"): exact 64-bit
  double          a number, or "inf", "-inf", "nan";  time, interval: seconds as a number
  string, addr, subnet, port, enum
                  a JSON string; any text that is not a JSON string is taken as it is
                  (so 10.0.0.1, 80/tcp and '"cli"' all work)
  bool            true/false (also T/F)
  vector, set     a JSON array;  table: an object (one key type) or an array of [key, value]
  record          an object by field name;  any: Broker JSON {"@data-type":..., "data":...}
Use "--" before arguments that start with "-" (negative numbers).

  --connect-xpub-endpoint E  the broker's XSUB (default tcp://127.0.0.1:5556)
  --connect-xsub-endpoint E  the broker's XPUB (default tcp://127.0.0.1:5555)
  --layout FILE              take the broker endpoints and options from a layout
  --timeout SECONDS          wait this long for the broker (default 5)
  --event-format F           broker-bin-v1 (default) or broker-json-v1
  --name NAME                node name in the sender's id (default zeek-zmq-publish)
  --<option> VALUE           any other backend option under Zeek's name (e.g. --linger-ms 2000)`;

const STRING_LIKE = new Set(["string", "bytes", "addr", "subnet", "port", "enum"]);

function argError(path: string, t: ZType, v: unknown, expected: string): never {
  throw new UsageError(`${path}: ${JSON.stringify(v)} is not a valid ${typeName(t)}; expected ${expected}`);
}

/** A JSON value as the JS value of Zeek type `t` (what EventDecl encodes). */
export function jsonToTyped(t: ZType, v: unknown, path: string): unknown {
  switch (t.kind) {
    case "bool":
      if (typeof v === "boolean") return v;
      if (v === "T" || v === "F") return v === "T";
      return argError(path, t, v, "true or false");
    case "int":
    case "count":
      if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
      if (typeof v === "string" && /^-?\d+$/.test(v)) return BigInt(v);
      return argError(path, t, v, "an integer (a decimal string for values beyond 2^53)");
    case "double":
      if (typeof v === "number") return v;
      if (v === "inf" || v === "-inf" || v === "nan") return v === "nan" ? NaN : v === "inf" ? Infinity : -Infinity;
      return argError(path, t, v, 'a number, "inf", "-inf" or "nan"');
    case "time":
    case "interval":
      if (typeof v === "number") return v;
      return argError(path, t, v, "a number of seconds");
    case "string":
    case "bytes":
    case "addr":
    case "subnet":
    case "port":
    case "enum":
      if (typeof v === "string") return v;
      return argError(path, t, v, "a string");
    case "pattern": {
      const p = v as { exact?: unknown; anywhere?: unknown } | null;
      if (typeof p === "object" && p !== null && typeof p.exact === "string" && typeof p.anywhere === "string") return { exact: p.exact, anywhere: p.anywhere };
      return argError(path, t, v, '{"exact": "...", "anywhere": "..."}');
    }
    case "any":
      return anyData(v, path);
    case "vector":
      if (!Array.isArray(v)) return argError(path, t, v, "a JSON array");
      return v.map((x, i) => jsonToTyped(t.of, x, `${path}[${i}]`));
    case "set":
      if (!Array.isArray(v)) return argError(path, t, v, "a JSON array");
      return v.map((x, i) => indexValue(t.index, x, `${path}[${i}]`));
    case "table": {
      if (Array.isArray(v))
        return new Map(
          v.map((e, i) => {
            if (!Array.isArray(e) || e.length !== 2) return argError(`${path}[${i}]`, t, e, "a [key, value] pair");
            return [indexValue(t.index, e[0], `${path}[${i}][0]`), jsonToTyped(t.yield, e[1], `${path}[${i}][1]`)];
          }),
        );
      // Object keys are text: read like a command-line argument of the key type.
      if (typeof v === "object" && v !== null && t.index.length === 1)
        return new Map(Object.entries(v).map(([k, x]) => [textValue(t.index[0]!, k, `${path} key ${JSON.stringify(k)}`), jsonToTyped(t.yield, x, `${path}[${JSON.stringify(k)}]`)]));
      return argError(path, t, v, t.index.length === 1 ? "a JSON object or an array of [key, value] pairs" : "an array of [key, value] pairs");
    }
    case "record": {
      if (typeof v !== "object" || v === null || Array.isArray(v)) return argError(path, t, v, "a JSON object");
      const obj = v as Record<string, unknown>;
      for (const k of Object.keys(obj)) if (!t.fields.some((f) => f.name === k)) throw new UsageError(`${path}: unknown field "${k}" (fields: ${t.fields.map((f) => f.name).join(", ")})`);
      const out: Record<string, unknown> = {};
      for (const f of t.fields) {
        if (obj[f.name] === undefined || obj[f.name] === null) {
          if (!f.optional) throw new UsageError(`${path}: missing field "${f.name}"`);
          continue;
        }
        out[f.name] = jsonToTyped(f.type, obj[f.name], `${path}.${f.name}`);
      }
      return out;
    }
  }
}

function indexValue(index: readonly ZType[], v: unknown, path: string): unknown {
  if (index.length === 1) return jsonToTyped(index[0]!, v, path);
  if (!Array.isArray(v) || v.length !== index.length) throw new UsageError(`${path}: expected a ${index.length}-element array (a composite key)`);
  return index.map((t, i) => jsonToTyped(t, v[i], `${path}[${i}]`));
}

function anyData(v: unknown, path: string): Data {
  if (typeof v === "string") return { type: "string", value: Buffer.from(v, "utf8") };
  if (typeof v === "boolean") return { type: "boolean", value: v };
  if (typeof v === "number") return Number.isSafeInteger(v) ? { type: "integer", value: BigInt(v) } : { type: "real", value: v };
  if (typeof v === "object" && v !== null && "@data-type" in v) {
    try {
      return decodeJsonData(JSON.stringify(v));
    } catch (e) {
      if (e instanceof DecodeError) throw new UsageError(`${path}: not Broker JSON: ${e.message}`);
      throw e;
    }
  }
  throw new UsageError(`${path}: an "any" value must be a string, boolean, number or Broker JSON {"@data-type": ..., "data": ...}`);
}

/** One command-line argument as the JS value of `t`. */
export function textValue(t: ZType, text: string, path = "value"): unknown {
  if ((t.kind === "int" || t.kind === "count") && /^-?\d+$/.test(text.trim())) return BigInt(text.trim());
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    if (STRING_LIKE.has(t.kind)) return text;
    if (t.kind === "bool" && (text === "T" || text === "F")) return text === "T";
    throw new UsageError(`${path}: ${JSON.stringify(text)} is not JSON (a ${typeName(t)} is expected)`);
  }
  if (STRING_LIKE.has(t.kind) && typeof v !== "string") return text;
  return jsonToTyped(t, v, path);
}

/** Typed arguments for `decl` from command-line texts; checks that they encode. */
export function eventArgs(decl: EventDecl<unknown[]>, texts: readonly string[]): unknown[] {
  if (texts.length !== decl.params.length)
    throw new UsageError(`${decl.signature} takes ${decl.params.length} argument${decl.params.length === 1 ? "" : "s"}, got ${texts.length}`);
  const values = decl.params.map((p, i) => textValue(p.type, texts[i]!, `argument ${i + 1} (${p.name}: ${typeName(p.type)})`));
  try {
    decl.encode(values);
  } catch (e) {
    if (e instanceof EncodeError) throw new UsageError(e.message);
    throw e;
  }
  return values;
}

export function runPublish(argv: string[], out: Print = stdoutLine, err: Print = stderrLine): Promise<number> {
  return runCommand("publish", err, async () => {
    const args = parseCommand(
      argv,
      { ...OPTION_FLAGS, layout: { type: "string" }, timeout: { type: "string" }, "event-format": { type: "string" }, name: { type: "string" } },
      true,
    );
    if (args.flag("help")) {
      out(PUBLISH_USAGE);
      return 0;
    }
    const [topic, signature, ...texts] = args.positionals;
    if (topic === undefined || signature === undefined) throw new UsageError("TOPIC and SIGNATURE are required");
    const format = eventFormatFlag(args.string("event-format"));
    const timeout = secondsFlag("timeout", args.string("timeout"), 5);
    let decl: EventDecl<unknown[]>;
    try {
      decl = eventFromSignature(signature);
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(`bad SIGNATURE ${JSON.stringify(signature)}: ${e.message}`);
      throw e;
    }
    const eventArguments = eventArgs(decl, texts);
    const { options } = await resolveCommandOptions({ layoutPath: args.string("layout"), cli: optionFlagValues(args) });

    const node = new ClusterNode({ name: args.string("name") ?? "zeek-zmq-publish", options: { ...options, runProxyThread: false }, discovery: false, eventFormat: format });
    const subscribed: string[] = [];
    node.on("subscription", (t) => subscribed.push(t));
    const limit = deadline(timeout);
    // Zeek's Reporter::fatal, e.g. CURVE keys the broker refuses: no point waiting any longer.
    node.on("fatal", (m) => limit.abort(new ConfigError("broker", m)));
    try {
      try {
        await node.start({ signal: limit.signal });
      } catch (e) {
        if (!isTimeout(e)) throw e;
        throw new ConfigError(
          "broker",
          `no broker answered within ${timeout} s (connect_xpub_endpoint ${options.connectXpubEndpoint}, connect_xsub_endpoint ${options.connectXsubEndpoint}); is one running (zeek-zmq broker, or a Zeek manager)?`,
        );
      } finally {
        limit.clear();
      }
      if (!subscribed.some((s) => topic.startsWith(s))) err(`zeek-zmq publish: warning: no node subscribes to ${JSON.stringify(topic)}; the event reaches nobody`);
      node.publish(topic, decl, eventArguments);
    } finally {
      await node.close();
    }
    err(`zeek-zmq publish: ${decl.name} published to ${topic}`);
    return 0;
  });
}
