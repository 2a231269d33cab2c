// Options of a node under Zeek's names, merged from their sources and checked. The options
// themselves (names, defaults, parsers, docs) are in option-specs.ts. Precedence: flags >
// environment > the layout's `options:` > Zeek's environment variables for the broker ports >
// what Zeek derives from the layout > defaults.

import { ConfigError } from "../errors.js";
import type { LogWriterManagerOptions } from "../logging/manager.js";
import { didYouMean } from "../suggest.js";
import { type ClusterLayout, addrToUri, brokerEndpoints, connectLogEndpoints, findNode, listenLogEndpoint } from "./layout.js";
import { BadOptionValue, DEFAULT_NODE_OPTIONS, ENV_PREFIX, OPTION_SPECS, type NodeOptions, type OptionSpec } from "./option-specs.js";

export { DEFAULT_NODE_OPTIONS, ENV_PREFIX, OPTION_SPECS, optionSpec, type NodeOptions, type OptionSpec } from "./option-specs.js";

export const DEFAULT_CONNECT_XPUB_ENDPOINT = DEFAULT_NODE_OPTIONS.connectXpubEndpoint;
export const DEFAULT_CONNECT_XSUB_ENDPOINT = DEFAULT_NODE_OPTIONS.connectXsubEndpoint;
export const DEFAULT_LISTEN_XSUB_ENDPOINT = DEFAULT_NODE_OPTIONS.listenXsubEndpoint;
export const DEFAULT_LISTEN_XPUB_ENDPOINT = DEFAULT_NODE_OPTIONS.listenXpubEndpoint;
export const DEFAULT_PROXY_IO_THREADS = DEFAULT_NODE_OPTIONS.proxyIoThreads;
/** debug_flags bits. */
export const DEBUG_POLL = 1;
export const DEBUG_THREAD = 2;

type CurveKey = "curveServerPublickey" | "curveServerSecretkey" | "curveClientPublickey" | "curveClientSecretkey";
const CURVE_KEYS: readonly CurveKey[] = ["curveServerPublickey", "curveServerSecretkey", "curveClientPublickey", "curveClientSecretkey"];

/** Zeek's CURVE environment variables (wire.md §2.1); mixing them with file/flag keys is an error, as in Zeek. */
export const CURVE_ENV: Readonly<Record<CurveKey, string>> = Object.freeze(
  Object.fromEntries(CURVE_KEYS.map((k) => [k, OPTION_SPECS.find((s) => s.key === k)!.env])) as Record<CurveKey, string>,
);

/** Prefix of the environment variables Zeek's ZeroMQ backend reads. */
export const ZEEK_BACKEND_ENV_PREFIX = "ZEEK_CLUSTER_BACKEND_ZEROMQ_";
/**
 * The broker ports of Zeek's policy/misc/zeromq-multi-host-auto-setup.zeek ("4711" or
 * "4711/tcp"): the manager's broker listens there on the manager's address, and every node
 * connects there.
 */
export const ZEEK_XPUB_PORT_ENV = "ZEEK_CLUSTER_BACKEND_ZEROMQ_XPUB_PORT";
export const ZEEK_XSUB_PORT_ENV = "ZEEK_CLUSTER_BACKEND_ZEROMQ_XSUB_PORT";

/** Every ZEEK_* variable a zeek-zmq option or Zeek's backend reads (for checks and suggestions). */
export function knownEnvNames(): string[] {
  // ZEEK_ZMQ_WEB_TOKEN: the web console's token (src/cli/console.ts), not a node option.
  return [...OPTION_SPECS.map((s) => s.env), ZEEK_XPUB_PORT_ENV, ZEEK_XSUB_PORT_ENV, `${ENV_PREFIX}WEB_TOKEN`];
}

/** Where a value came from. */
export type OptionSource = "flag" | "env" | "file";

/**
 * A bad option value or an unknown option. `option` is the name as the user wrote it (the flag
 * `--xpub-sndhwm`, the variable `ZEEK_ZMQ_XPUB_SNDHWM`, the layout key `xpub_sndhwm`), `source`
 * where it came from: a bad flag is a usage error, the others are configuration errors.
 */
export class OptionError extends ConfigError {
  override name = "OptionError";
  constructor(
    readonly source: OptionSource,
    option: string,
    detail: string,
  ) {
    super(option, detail);
  }
}

export interface OptionSources {
  /** Values from a config/layout file, keyed by Zeek's snake_case name or camelCase. */
  file?: Readonly<Record<string, unknown>>;
  /** Label for the file in errors (its path). */
  fileName?: string;
  /** Environment (e.g. process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** CLI flags keyed by flag name without dashes (`xpub-sndhwm`) or camelCase; strings as typed. */
  cli?: Readonly<Record<string, string | boolean | readonly string[] | undefined>>;
  /** How the user wrote a flag given under another name (`{ "listen-xpub-endpoint": "--xpub" }`), for errors. */
  cliWritten?: Readonly<Record<string, string>>;
  /** Layout and this node's name: derive log endpoints, broker endpoints, runProxyThread, metricsPort. */
  layout?: ClusterLayout;
  nodeName?: string;
}

function lookup<T>(rec: Readonly<Record<string, T>> | undefined, spec: OptionSpec): [string, T] | undefined {
  if (rec === undefined) return undefined;
  for (const k of [spec.zeek, spec.key, spec.flag]) if (rec[k] !== undefined) return [k, rec[k] as T];
  return undefined;
}

function shown(raw: unknown): string {
  return typeof raw === "string" ? JSON.stringify(raw) : Array.isArray(raw) ? JSON.stringify(raw) : String(raw);
}

function parseValue(spec: OptionSpec, raw: unknown, source: OptionSource, written: string, fileName: string | undefined): unknown {
  try {
    return spec.parser.parse(raw);
  } catch (e) {
    if (!(e instanceof BadOptionValue)) throw e;
    const where = source === "file" ? ` in ${fileName ?? "the options"}` : "";
    throw new OptionError(source, written, `${shown(raw)}${where} is not allowed; expected ${e.expected}`);
  }
}

/** Zeek's port text for the auto-setup variables: "4711" or "4711/tcp". */
function zeekPort(name: string, text: string): number {
  const m = /^\s*(\d{1,5})(?:\/tcp)?\s*$/.exec(text);
  const n = m ? Number(m[1]) : Number.NaN;
  if (!(n >= 1 && n <= 65535)) throw new OptionError("env", name, `${JSON.stringify(text)} is not allowed; expected a TCP port 1..65535 such as 5555 or 5555/tcp`);
  return n;
}

/** Unknown keys, flags and variables are errors: a typo must not pass silently. */
function checkNames(src: OptionSources): void {
  const known = new Set<string>();
  for (const s of OPTION_SPECS) known.add(s.key).add(s.zeek).add(s.flag);
  const names = OPTION_SPECS.map((s) => s.zeek);
  for (const k of Object.keys(src.file ?? {}))
    if (!known.has(k))
      throw new OptionError("file", k, `unknown option in ${src.fileName ?? "the options"}${didYouMean(k, names)} ("zeek-zmq help options" lists them all)`);
  for (const k of Object.keys(src.cli ?? {}))
    if (!known.has(k)) throw new OptionError("flag", `--${k}`, `unknown flag${didYouMean(k, OPTION_SPECS.map((s) => s.flag), (f) => `--${f}`)}`);
  const envNames = new Set(knownEnvNames());
  for (const [k, v] of Object.entries(src.env ?? {})) {
    if (v === undefined || envNames.has(k)) continue;
    if (k.startsWith(ENV_PREFIX)) {
      const hint = k.startsWith(`${ENV_PREFIX}CURVE`) ? `; CURVE keys use Zeek's names (${Object.values(CURVE_ENV).join(", ")})` : didYouMean(k, envNames);
      throw new OptionError("env", k, `unknown environment variable${hint}`);
    }
    if (k.startsWith(ZEEK_BACKEND_ENV_PREFIX)) {
      // Zeek reads only a few of these; the others would be ignored by Zeek and by us.
      const own = ENV_PREFIX + k.slice(ZEEK_BACKEND_ENV_PREFIX.length);
      const hint = envNames.has(own) ? `; did you mean ${own}? (zeek-zmq's variables are ${ENV_PREFIX}<OPTION>)` : didYouMean(k, envNames);
      throw new OptionError("env", k, `Zeek's ZeroMQ backend reads no such environment variable${hint}`);
    }
  }
}

/**
 * Merges option sources and validates every value. Throws OptionError naming the option as the
 * user wrote it, where it came from and what is allowed. Unknown file keys, flags, `ZEEK_ZMQ_*`
 * and `ZEEK_CLUSTER_BACKEND_ZEROMQ_*` variables are errors too, with a suggestion.
 */
export function resolveOptions(src: OptionSources = {}): NodeOptions {
  checkNames(src);
  const out: Record<string, unknown> = { ...DEFAULT_NODE_OPTIONS };
  if (src.layout && src.nodeName !== undefined) Object.assign(out, layoutDerived(src.layout, src.nodeName));
  const env = src.env ?? {};
  const manager = src.layout?.nodes.find((n) => n.type === "manager");
  const brokerHost = manager ? addrToUri(manager.host) : "127.0.0.1";
  for (const [name, listen, connect] of [
    [ZEEK_XPUB_PORT_ENV, "listenXpubEndpoint", "connectXsubEndpoint"],
    [ZEEK_XSUB_PORT_ENV, "listenXsubEndpoint", "connectXpubEndpoint"],
  ] as const) {
    const v = env[name];
    if (v === undefined || v === "") continue;
    out[listen] = out[connect] = `tcp://${brokerHost}:${zeekPort(name, v)}`;
  }

  let curveScript = false;
  let curveEnv = false;
  for (const spec of OPTION_SPECS) {
    const fromFile = lookup(src.file, spec);
    const envRaw = env[spec.env];
    const fromEnv = envRaw !== undefined && envRaw !== "" ? envRaw : undefined;
    const fromCli = lookup(src.cli, spec);
    if ((CURVE_KEYS as readonly string[]).includes(spec.key)) {
      if ((fromFile && fromFile[1] !== "") || (fromCli && fromCli[1] !== "")) curveScript = true;
      if (fromEnv !== undefined) curveEnv = true;
    }
    if (fromFile) out[spec.key] = parseValue(spec, fromFile[1], "file", fromFile[0], src.fileName);
    if (fromEnv !== undefined) out[spec.key] = parseValue(spec, fromEnv, "env", spec.env, undefined);
    if (fromCli) out[spec.key] = parseValue(spec, fromCli[1], "flag", fromCli[0] === spec.flag ? (src.cliWritten?.[spec.flag] ?? `--${spec.flag}`) : fromCli[0], undefined);
  }
  if (curveScript && curveEnv)
    throw new ConfigError(
      "curve",
      "CURVE keys are configured both in the file/flags and in ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_* environment variables; use one or the other (Zeek refuses this too)",
    );
  const o = out as unknown as NodeOptions;
  const anyKey = CURVE_KEYS.some((k) => o[k] !== "");
  if (anyKey && !isCurveClient(o) && !isCurveServer(o))
    throw new ConfigError(
      "curve",
      "incomplete CURVE configuration: a client needs curve_server_publickey, curve_client_publickey and curve_client_secretkey; a server needs curve_server_secretkey and curve_client_publickey",
    );
  return Object.freeze(out) as unknown as NodeOptions;
}

/** The values Zeek derives from `Cluster::nodes` for `nodeName` (they sit between defaults and file). */
export function layoutDerived(layout: ClusterLayout, nodeName: string): Partial<NodeOptions> {
  const self = findNode(layout, nodeName);
  return {
    connectLogEndpoints: Object.freeze(connectLogEndpoints(layout, nodeName)),
    listenLogEndpoint: listenLogEndpoint(layout, nodeName),
    runProxyThread: self.type === "manager",
    ...(brokerEndpoints(layout) ?? {}),
    ...(self.metricsPort !== undefined ? { metricsPort: self.metricsPort } : {}),
  };
}

/** A socket is a CURVE client iff server_publickey, client_secretkey and client_publickey are set (wire.md §2.1). */
export function isCurveClient(o: NodeOptions): boolean {
  return o.curveServerPublickey !== "" && o.curveClientSecretkey !== "" && o.curveClientPublickey !== "";
}

/** A socket is a CURVE server iff server_secretkey and client_publickey are set. */
export function isCurveServer(o: NodeOptions): boolean {
  return o.curveServerSecretkey !== "" && o.curveClientPublickey !== "";
}

/** Start-up warnings for the options in `o` that Node cannot honour (set to something else than their default). */
export function unhonouredOptionWarnings(o: NodeOptions): string[] {
  const out: string[] = [];
  for (const s of OPTION_SPECS) {
    if (s.unhonoured === undefined || o[s.key] === s.default) continue;
    // The broker's I/O threads matter only where the broker runs.
    if (s.key === "proxyIoThreads" && !o.runProxyThread) continue;
    out.push(`${s.zeek}=${String(o[s.key])} is ignored: ${s.unhonoured}`);
  }
  return out;
}

/**
 * The log writer settings in `o` (log_dir, log_format, log_json_paths, log_suffix, rotation): one
 * mapping for logger nodes, nodes writing their own logs and the standalone logger.
 */
export function logWriterSettings(o: NodeOptions): Pick<LogWriterManagerOptions, "dir" | "format" | "formats" | "suffix" | "rotationInterval" | "postRotateCommand"> {
  return {
    dir: o.logDir === "" ? process.cwd() : o.logDir,
    format: o.logFormat,
    formats: Object.fromEntries(o.logJsonPaths.map((p) => [p, "json" as const])),
    suffix: o.logSuffix,
    rotationInterval: o.logRotationInterval,
    ...(o.logRotationPostprocessorCmd !== "" ? { postRotateCommand: o.logRotationPostprocessorCmd } : {}),
  };
}
