// Flag and option plumbing shared by the cluster commands (broker, node, cluster, tap, publish):
// parsing with clear usage errors, the option flags under Zeek's names, layout + options
// resolution (file < env < flags), endpoints, and waiting for SIGINT/SIGTERM.
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { EventFormat } from "../cluster/node.js";
import { FORMAT as BIN_FORMAT } from "../codec/broker/bin.js";
import { FORMAT as JSON_FORMAT } from "../codec/broker/json.js";
import { brokerEndpoints, loadLayout, type ClusterLayout } from "../cluster/layout.js";
import { optionFlagsForParseArgs } from "../cluster/option-specs.js";
import { OPTION_SPECS, OptionError, resolveOptions, type NodeOptions } from "../cluster/options.js";
import { ConfigError, ZeekZmqError } from "../errors.js";
import { didYouMean } from "../suggest.js";

/** A line printer (stdout or stderr). */
export type Print = (line: string) => void;

export const stdoutLine: Print = (s) => void process.stdout.write(s + "\n");
export const stderrLine: Print = (s) => void process.stderr.write(s + "\n");

/** Wrong command-line usage: printed with a pointer to the command's --help, exit status 2. */
export class UsageError extends ZeekZmqError {
  override name = "UsageError";
}

/** A subcommand: its name, one line for the command list, its full help and its body. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  run(argv: string[], out: Print, err: Print): Promise<number>;
}

/** Every backend option as a flag under Zeek's name (`--xpub-sndhwm 500`, `--ipv6 F`). */
export const OPTION_FLAGS = optionFlagsForParseArgs();

type Values = Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;

/** Parsed flags and positionals, with typed accessors. */
export class Parsed {
  constructor(
    readonly values: Values,
    readonly positionals: readonly string[],
  ) {}

  string(name: string): string | undefined {
    const v = this.values[name];
    return typeof v === "string" ? v : Array.isArray(v) ? this.strings(name).at(-1) : undefined;
  }

  strings(name: string): string[] {
    const v = this.values[name];
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : typeof v === "string" ? [v] : [];
  }

  flag(name: string): boolean {
    return this.values[name] === true;
  }
}

type FlagConfig = NonNullable<ParseArgsConfig["options"]>;

/** parseArgs' messages, made short and with a suggestion for a mistyped flag. */
function usageMessage(e: Error & { code?: string }, options: FlagConfig): string {
  const unknown = /^Unknown option '(-{1,2}[^']*)'/.exec(e.message);
  if (unknown) {
    const flag = unknown[1]!;
    const names = Object.keys(options).flatMap((n) => [`--${n}`, ...(options[n]!.short ? [`-${options[n]!.short}`] : [])]);
    return `unknown flag ${flag}${didYouMean(flag.split("=")[0]!, names)}`;
  }
  const missing = /^Option '(?:-\w, )?(--[^ ]+) <value>' argument missing/.exec(e.message);
  if (missing) return `${missing[1]} needs a value (a value spelled like a flag needs "=": ${missing[1]}=VALUE)`;
  const ambiguous = /^Option '(?:-\w, )?(--[^ ]+)' argument is ambiguous/.exec(e.message);
  if (ambiguous) return `${ambiguous[1]} needs a value; a value spelled like a flag needs "=": ${ambiguous[1]}=VALUE`;
  const positional = /^Unexpected argument '([^']*)'/.exec(e.message);
  if (positional) return `unexpected argument ${JSON.stringify(positional[1])}`;
  const bool = /^Option '(?:-\w, )?(--[^ ]+)' does not take an argument/.exec(e.message);
  if (bool) return `${bool[1]} takes no value`;
  return e.message;
}

/**
 * `--opt VALUE` where VALUE starts with "-" but is no flag of the command becomes `--opt=VALUE`:
 * Z85 keys may start with "-" (and --xpub-sndhwm -1 reads naturally), which parseArgs would
 * otherwise refuse as ambiguous.
 */
function joinDashValues(argv: string[], options: FlagConfig): string[] {
  const shorts = new Set(Object.values(options).flatMap((o) => (o.short ? [`-${o.short}`] : [])));
  const isFlag = (a: string) => (a.startsWith("--") ? a.slice(2).split("=")[0]! in options : shorts.has(a.slice(0, 2)));
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    if (a === "--") return out.concat(argv.slice(i));
    const name = a.startsWith("--") && !a.includes("=") ? a.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === "string" && next?.startsWith("-") && next !== "--" && !isFlag(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

/** node:util parseArgs with strict checking (and -h/--help); every problem becomes a UsageError. */
export function parseCommand(argv: string[], options: FlagConfig, positionals = false): Parsed {
  const all: FlagConfig = { ...options, help: { type: "boolean", short: "h" } };
  try {
    const r = parseArgs({ args: joinDashValues(argv, all), options: all, allowPositionals: positionals, strict: true });
    return new Parsed(r.values, r.positionals);
  } catch (e) {
    throw new UsageError(usageMessage(e as Error, all));
  }
}

/** The line that follows every usage error. */
export function helpPointer(command: string): string {
  return `Run "zeek-zmq ${command} --help" for its options.`;
}

/**
 * Runs a command body and turns its failures into one line on stderr and an exit status: usage
 * errors (unknown or bad flags, missing arguments) exit 2 with a pointer to --help, configuration
 * and runtime errors exit 1. Anything else is a bug and propagates.
 */
export async function runCommand(command: string, err: Print, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof UsageError || (e instanceof OptionError && e.source === "flag")) {
      err(`zeek-zmq ${command}: ${e.message}`);
      err(helpPointer(command));
      return 2;
    }
    if (e instanceof ConfigError) {
      err(`zeek-zmq ${command}: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

/** The option flags present in parsed `values`, keyed by flag name, for resolveOptions' `cli`. */
export function optionFlagValues(args: Parsed): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const s of OPTION_SPECS) {
    const v = args.values[s.flag];
    if (typeof v === "string") out[s.flag] = v;
    else if (Array.isArray(v)) out[s.flag] = args.strings(s.flag);
  }
  return out;
}

/**
 * Resolves the options: defaults < layout-derived < the layout's `options` section < environment
 * (ZEEK_ZMQ_*) < flags (`cli`, see optionFlagValues). With `nodeName` the node's layout entry
 * applies (log endpoints, run_proxy_thread, metrics port, ...); a tool that is not a node of the
 * layout (broker, tap, publish) still takes the broker endpoints of its `broker` section.
 */
export function optionsFor(
  layout: ClusterLayout | undefined,
  nodeName: string | undefined,
  cli: Record<string, string | string[]>,
  env: Readonly<Record<string, string | undefined>> = process.env,
  cliWritten: Readonly<Record<string, string>> = {},
): NodeOptions {
  const inLayout = layout !== undefined && nodeName !== undefined;
  return resolveOptions({
    file: { ...(!inLayout && layout ? brokerEndpoints(layout) : {}), ...layout?.options },
    ...(layout ? { fileName: layout.source } : {}),
    env,
    cli,
    cliWritten,
    ...(inLayout ? { layout, nodeName } : {}),
  });
}

/** Loads the layout at `layoutPath` (if given) and resolves the options (see optionsFor). */
export async function resolveCommandOptions(input: {
  layoutPath: string | undefined;
  nodeName?: string;
  cli: Record<string, string | string[]>;
  /** Flags given under another name: spec flag -> as written (`--xpub`). */
  cliWritten?: Readonly<Record<string, string>>;
}): Promise<{ layout: ClusterLayout | undefined; options: NodeOptions }> {
  const layout = input.layoutPath === undefined ? undefined : await loadLayout(input.layoutPath);
  return { layout, options: optionsFor(layout, input.nodeName, input.cli, process.env, input.cliWritten) };
}

/** `--event-format` (Cluster::event_serializer): broker-bin-v1 (default) or broker-json-v1. */
export function eventFormatFlag(text: string | undefined): EventFormat {
  if (text === undefined || text === BIN_FORMAT) return BIN_FORMAT;
  if (text === JSON_FORMAT) return JSON_FORMAT;
  throw new UsageError(`--event-format must be ${BIN_FORMAT} or ${JSON_FORMAT}, got ${JSON.stringify(text)}`);
}

/** Parses a number of seconds >= 0 given to `flag`. */
export function secondsFlag(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < 0) throw new UsageError(`--${flag} must be a number of seconds >= 0, got ${JSON.stringify(text)}`);
  return n;
}

/** Parses an integer >= min given to `flag`. */
export function integerFlag(flag: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n < min) throw new UsageError(`--${flag} must be an integer >= ${min}, got ${JSON.stringify(text)}`);
  return n;
}

/**
 * A signal that aborts with a TimeoutError after `seconds` (never for 0), or with `reason` when
 * `abort` is called, on a timer that is strongly held: AbortSignal.timeout/any signals may be
 * garbage-collected before they fire on Node 20. `clear` cancels the timer.
 */
export function deadline(seconds: number): { signal: AbortSignal; clear: () => void; abort: (reason: unknown) => void } {
  const ac = new AbortController();
  const timer = seconds > 0 ? setTimeout(() => ac.abort(new DOMException(`timed out after ${seconds} s`, "TimeoutError")), seconds * 1000) : undefined;
  return { signal: ac.signal, clear: () => clearTimeout(timer), abort: (reason) => (clearTimeout(timer), ac.abort(reason)) };
}

/** True for the reason a `deadline` aborts with. */
export function isTimeout(e: unknown): boolean {
  return e instanceof DOMException && e.name === "TimeoutError";
}

/**
 * Resolves with the name of the first SIGINT/SIGTERM (or "disconnect" when the supervising
 * parent's IPC channel closes, or "abort" when `signal` aborts). Installs the handlers at once so
 * a signal during start-up is not lost; `dispose` removes them.
 */
export function stopRequest(signal?: AbortSignal): { stopped: Promise<string>; dispose: () => void } {
  let done: (why: string) => void = () => undefined;
  const stopped = new Promise<string>((resolve) => (done = resolve));
  const onInt = () => done("SIGINT");
  const onTerm = () => done("SIGTERM");
  const onDisconnect = () => done("disconnect");
  const onAbort = () => done("abort");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  if (process.channel) process.on("disconnect", onDisconnect);
  signal?.addEventListener("abort", onAbort, { once: true });
  return {
    stopped,
    dispose: () => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      process.off("disconnect", onDisconnect);
      signal?.removeEventListener("abort", onAbort);
    },
  };
}
