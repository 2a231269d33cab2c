// Declared Zeek events: typed encode/decode of an event's arguments in the envelope of
// broker-bin-v1 (and, through Data, broker-json-v1).
import { bytesAt, equalBytes } from "../../bytes.js";
import { DecodeError, EncodeError } from "../../errors.js";
import { ByteWriter } from "../writer.js";
import { BinReader } from "./bin.js";
import { Tag, type Data } from "./data.js";
import { METADATA_NETWORK_TIMESTAMP, writeEventHead, writeEventMetadata, type EventMetadata, type ZeekEvent } from "./event.js";
import { fromData, toData, toNanos } from "./convert.js";
import { compileReader, type TypedReader } from "./readers.js";
import { compileWriter, type TypedWriter } from "./writers.js";
import { parseSignature, typeName, type JsOf, type RecordField, type TypeScope, type z, type ZType } from "./types.js";

export interface EncodeEventOptions {
  /** Adds the network-timestamp metadata (seconds), like EventMetadata::add_network_timestamp. */
  networkTimestamp?: number;
}

// encode() writes events one after another into a shared slab: synchronous, one at a time.
const SLAB = new ByteWriter(64 * 1024);

/** A declared Zeek event: encodes and decodes its arguments with their declared types. */
export class EventDecl<A extends readonly unknown[] = unknown[]> {
  readonly nameBytes: Buffer;
  /** The envelope bytes up to the first argument (no metadata): written and checked as a block. */
  private readonly head: Buffer;
  private readonly readers: readonly TypedReader[];
  private readonly writers: readonly TypedWriter[];
  /** "event.param" per parameter, for error messages (built once, not per event). */
  private readonly paths: readonly string[];
  private readonly reader = new BinReader(Buffer.alloc(0));
  constructor(
    readonly name: string,
    readonly params: readonly RecordField[],
  ) {
    this.nameBytes = Buffer.from(name, "utf8");
    this.readers = params.map((p) => compileReader(p.type));
    this.writers = params.map((p) => compileWriter(p.type));
    this.paths = params.map((p) => `${name}.${p.name}`);
    const w = new ByteWriter(64);
    writeEventHead(w, name, params.length, false);
    this.head = w.finish();
  }

  /** Zeek's spelling: `name(a: count, b: string)`. */
  get signature(): string {
    return `${this.name}(${this.params.map((p) => `${p.name}: ${typeName(p.type)}`).join(", ")})`;
  }

  /** Appends the broker-bin-v1 payload of this event with `args` to `w`. */
  write(w: ByteWriter, args: A, options?: EncodeEventOptions): void {
    if (args.length !== this.params.length) throw new EncodeError(this.name, `expected ${this.params.length} arguments, got ${args.length}`);
    const meta: EventMetadata[] | undefined =
      options?.networkTimestamp === undefined
        ? undefined
        : [{ id: METADATA_NETWORK_TIMESTAMP, value: { type: "timestamp", value: toNanos({ kind: "time" }, options.networkTimestamp, "networkTimestamp") } }];
    if (meta) writeEventHead(w, this.name, args.length, true);
    else w.bytes(this.head);
    for (let i = 0; i < args.length; i++) {
      const v = args[i];
      if (v === undefined && this.params[i]!.optional) w.u8(Tag.none);
      else this.writers[i]!(w, v, this.paths[i]!);
    }
    if (meta) writeEventMetadata(w, meta);
  }

  /**
   * The payload as a Buffer: a view into a shared 64 KiB slab (no allocation or copy of its own),
   * never overwritten. Holding it keeps that slab alive: copy it (Buffer.from) to keep it long.
   */
  encode(args: A, options?: EncodeEventOptions): Buffer {
    try {
      this.write(SLAB, args, options);
    } catch (e) {
      SLAB.discard();
      throw e;
    }
    return SLAB.take();
  }

  /** The event as self-describing data (e.g. for broker-json-v1). */
  toEvent(args: A): ZeekEvent {
    return { name: this.name, args: this.params.map((p, i) => (args[i] === undefined && p.optional ? ({ type: "none" } as Data) : toData(p.type, args[i], `${this.name}.${p.name}`))) };
  }

  /** Typed arguments of a decoded event (any format); throws DecodeError on mismatch. */
  fromEvent(ev: ZeekEvent): A {
    if (ev.name !== this.name) throw new DecodeError("event", "invalid", 0, `event ${ev.name}, expected ${this.name}`);
    if (ev.args.length !== this.params.length) throw new DecodeError("event", "invalid", 0, `${this.name}: expected ${this.params.length} arguments, got ${ev.args.length}`);
    return this.params.map((p, i) => fromData(p.type, ev.args[i]!, `${this.name}.${p.name}`)) as unknown as A;
  }

  private startsWithHead(r: BinReader): boolean {
    if (r.end - r.pos < this.head.length || !bytesAt(r.buf, r.pos, this.head)) return false;
    r.pos += this.head.length;
    return true;
  }

  /**
   * The arguments if `payload` (or its bytes [start, end)) is this event in the common form (no
   * metadata), undefined if it is not (another event, or metadata: use decode()); DecodeError if
   * the arguments are bad.
   */
  tryDecode(payload: Uint8Array, start = 0, end = payload.length): A | undefined {
    // Decoding runs no user code, so one reader per declaration is never in use twice.
    const r = this.reader.reset(payload, start, end);
    return this.startsWithHead(r) ? this.readArgs(r, false) : undefined;
  }

  /** Decodes a broker-bin-v1 payload of this event straight into typed arguments. */
  decode(payload: Uint8Array): A {
    const r = this.reader.reset(payload);
    if (this.startsWithHead(r)) return this.readArgs(r, false);
    // Not the common form: parse step by step for metadata or a precise error.
    const hasMeta = readEnvelopeHead(r);
    const at = r.pos;
    const name = r.bytes();
    if (!equalBytes(name, this.nameBytes)) r.fail("invalid", `event ${name.toString("utf8")}, expected ${this.name}`, at);
    r.expectTag(Tag.vector, "argument vector");
    const argc = r.count(1);
    if (argc !== this.params.length) r.fail("invalid", `${this.name}: expected ${this.params.length} arguments, got ${argc}`);
    return this.readArgs(r, hasMeta);
  }

  private readArgs(r: BinReader, hasMeta: boolean): A {
    const argc = this.params.length;
    const rd = this.readers;
    // Small arities as literals: a fixed-size array and one call site per position.
    let args: unknown[];
    switch (argc) {
      case 1:
        args = [rd[0]!(r, 0)];
        break;
      case 2:
        args = [rd[0]!(r, 0), rd[1]!(r, 0)];
        break;
      case 3:
        args = [rd[0]!(r, 0), rd[1]!(r, 0), rd[2]!(r, 0)];
        break;
      case 4:
        args = [rd[0]!(r, 0), rd[1]!(r, 0), rd[2]!(r, 0), rd[3]!(r, 0)];
        break;
      default:
        args = [];
        for (let i = 0; i < argc; i++) args.push(rd[i]!(r, 0));
    }
    if (hasMeta) {
      const m = r.data(1);
      if (m.type !== "vector") r.fail("invalid", "event metadata is not a vector");
    }
    if (r.pos !== r.end) r.fail("trailing", `${r.end - r.pos} bytes after the event`);
    return args as unknown as A;
  }
}

/** count 1: protocol version and message type (event) of the envelope. */
const ONE = [2, 0, 0, 0, 0, 0, 0, 0, 1];

/** Reads up to the event name's string tag; returns whether a metadata element follows. */
function readEnvelopeHead(r: BinReader): boolean {
  r.expectTag(Tag.vector, "event envelope vector");
  if (r.u8() !== 3) r.fail("invalid", "event envelope is not vector(3)", r.pos - 1);
  r.need(18);
  if (!bytesAt(r.buf, r.pos, ONE)) r.fail("invalid", "protocol version is not count 1");
  if (!bytesAt(r.buf, r.pos + 9, ONE)) r.fail("invalid", "message type is not count 1 (event)", r.pos + 9);
  r.pos += 18;
  r.expectTag(Tag.vector, "event body vector");
  const n = r.u8();
  if (n !== 2 && n !== 3) r.fail("invalid", "event body is not vector(2|3)", r.pos - 1);
  r.expectTag(Tag.string, "event name");
  return n === 3;
}

/** The event name of a broker-bin-v1 payload, without decoding the arguments. */
export function readEventName(payload: Uint8Array): string {
  const r = new BinReader(payload);
  readEnvelopeHead(r);
  return r.string();
}

/**
 * Checks that `payload` is a whole broker-bin-v1 event (envelope, name, every argument, optional
 * metadata, nothing after it) without building its values; throws DecodeError if not. For events
 * no handler decodes: a truncated or padded payload is an error whether or not anyone handles it.
 */
export function checkEvent(payload: Uint8Array): void {
  const r = new BinReader(payload);
  const hasMeta = readEnvelopeHead(r);
  r.stringSpan();
  r.expectTag(Tag.vector, "argument vector");
  const argc = r.count(1);
  for (let i = 0; i < argc; i++) r.skip(1);
  if (hasMeta) {
    const at = r.pos;
    if (r.u8() !== Tag.vector) r.fail("invalid", "event metadata is not a vector", at);
    r.pos = at;
    r.skip(1);
  }
  if (r.pos !== r.end) r.fail("trailing", `${r.end - r.pos} bytes after the event`);
}

type ArgsOf<T extends readonly ZType[]> = { -readonly [K in keyof T]: JsOf<T[K]> };

/**
 * Declares an event once and gets typed encode/decode, e.g.
 * `const bench = defineEvent("bench", [z.string, z.count, z.addr, z.time], ["s", "c", "a", "t"])`
 * gives `bench.encode(["x", 1n, "10.0.0.1", 1700000000.5])` and `bench.decode(payload)` typed as
 * `[string, bigint, string, number]`. Parameter names are for messages and signatures only.
 */
export function defineEvent<const T extends readonly ZType[]>(name: string, params: T, paramNames?: readonly string[]): EventDecl<ArgsOf<T>> {
  return new EventDecl<ArgsOf<T>>(
    name,
    params.map((type, i) => ({ name: paramNames?.[i] ?? `arg${i}`, type, optional: false })),
  );
}

/**
 * Declares an event from Zeek's signature text, e.g. `bench(s: string, c: count, a: addr, t: time)`.
 * A literal signature is typed at compile time (`EventDecl<[string, bigint, string, number]>`, see
 * SignatureArgs); what the type-level reading cannot follow gives `EventDecl<unknown[]>`.
 */
export function eventFromSignature<const Sig extends string, const Scope extends TypeScope = NoScope>(signature: Sig, scope?: Scope): EventDecl<SignatureArgs<Sig, Scope>> {
  const s = parseSignature(signature, scope);
  return new EventDecl<SignatureArgs<Sig, Scope>>(s.name, s.params);
}

// ---- a signature's argument types at compile time ----
//
// A small recursive-descent reader of the signature text in template-literal types, following
// parseSignature's grammar. Its one rule: a type is either what the runtime decoder returns and
// the encoder accepts (the JS types of `z`), or the whole signature falls back to unknown[].
// Words are read a character at a time with an accumulator (tail recursion, so ~1000 characters
// cost no depth); only nesting (`vector of set[...]`) recurses non-tail.

/** A scope without names. */
type NoScope = Record<never, never>;
/** The marker of text the type-level reader does not follow. */
interface Unread {
  readonly __unread: true;
}
type Letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:";
type CharsOf<S extends string, Acc = never> = S extends `${infer C}${infer R}` ? CharsOf<R, Acc | C> : Acc;
type WordChar = CharsOf<Letters>;
type Space = " " | "\t" | "\n" | "\r";
type TrimL<S extends string> = S extends `${infer C}${infer R}` ? (C extends Space ? TrimL<R> : S) : S;
type TrimR<S extends string> = S extends `${infer R}${Space}` ? TrimR<R> : S;
/** [word, rest]: the leading run of identifier characters (with `::`) of S. */
type Word<S extends string, Acc extends string = ""> = S extends `${infer C}${infer R}` ? (C extends WordChar ? Word<R, `${Acc}${C}`> : [Acc, S]) : [Acc, S];

type Z = typeof z;
/** Zeek's scalar type names as parseType reads them, to the JS types of `z`. */
type ScalarJs = { [K in "bool" | "int" | "count" | "double" | "time" | "interval" | "string" | "addr" | "subnet" | "port" | "pattern" | "any"]: JsOf<Z[K]> } & {
  enum: JsOf<ReturnType<Z["enum"]>>;
};
/** A set's or table's index: one type as itself, several as a tuple (as `z.set`, `z.table`). */
type IndexOf<I extends unknown[]> = I extends [infer One] ? One : I;

/** [JS type, rest] of the Zeek type at the start of T, or Unread. */
type ReadType<T extends string, Scope> =
  Word<TrimL<T>> extends [infer W extends string, infer R extends string]
    ? W extends "set"
      ? TrimL<R> extends `[${infer I}` ? (ReadIndex<I, Scope, []> extends [infer Idx extends unknown[], infer R2 extends string] ? [IndexOf<Idx>[], R2] : Unread) : Unread
      : W extends "table"
        ? TrimL<R> extends `[${infer I}`
          ? ReadIndex<I, Scope, []> extends [infer Idx extends unknown[], infer R2 extends string]
            ? Word<TrimL<R2>> extends ["of", infer R3 extends string]
              ? ReadType<R3, Scope> extends [infer Y, infer R4 extends string]
                ? [Map<IndexOf<Idx>, Y>, R4]
                : Unread
              : Unread
            : Unread
          : Unread
        : W extends "vector"
          ? Word<TrimL<R>> extends ["of", infer R2 extends string]
            ? ReadType<R2, Scope> extends [infer E, infer R3 extends string]
              ? [E[], R3]
              : Unread
            : Unread
          : W extends "enum"
            ? TrimL<R> extends `{${string}` // an inline enum { A, B }: not read here
              ? Unread
              : [ScalarJs["enum"], R]
            : W extends keyof ScalarJs
              ? [ScalarJs[W], R]
              : W extends "" | "record" // inline records are not read here
                ? Unread
                : W extends keyof Scope
                  ? unknown extends JsOf<Scope[W]> // a scope entry without a compile-time type (e.g. from parseType)
                    ? Unread
                    : [JsOf<Scope[W]>, R]
                  : Unread
    : Unread;

/** [index types, rest after `]`] of `a, b]`, or Unread. */
type ReadIndex<T extends string, Scope, Acc extends unknown[]> =
  ReadType<T, Scope> extends [infer V, infer R extends string]
    ? TrimL<R> extends `,${infer R2}`
      ? ReadIndex<R2, Scope, [...Acc, V]>
      : TrimL<R> extends `]${infer R2}`
        ? [[...Acc, V], R2]
        : Unread
    : Unread;

/** The attributes after a parameter's type: `&optional` (the value may be undefined) and `&log`. */
type ReadAttrs<T extends string, V> =
  TrimL<T> extends `&optional${infer R}` ? ReadAttrs<R, V | undefined> : TrimL<T> extends `&log${infer R}` ? ReadAttrs<R, V> : [V, TrimL<T>];

/** The parameters' JS types of `name: type, ...` (a trailing comma allowed, as parseSignature does). */
type ReadParams<T extends string, Scope, Acc extends unknown[]> =
  TrimL<T> extends ""
    ? Acc
    : TrimL<T> extends `${string}:${infer R}`
      ? ReadType<R, Scope> extends [infer V, infer R2 extends string]
        ? ReadAttrs<R2, V> extends [infer V2, infer R3 extends string]
          ? R3 extends ""
            ? [...Acc, V2]
            : R3 extends `,${infer R4}`
              ? ReadParams<R4, Scope, [...Acc, V2]>
              : Unread
          : Unread
        : Unread
      : Unread;

type IsUnion<T, U = T> = T extends unknown ? ([U] extends [T] ? false : true) : never;

/**
 * The arguments' JS types of a literal signature, e.g.
 * `SignatureArgs<"Demo::ping(from: string, n: count)">` is `[string, bigint]`; named types come
 * from a scope whose entries carry their JS type (`{ Color: z.enum<"Demo::RED" | "Demo::BLUE">() }`).
 * `unknown[]` for what this reading does not follow: a `string` that is not a literal, inline
 * `record { ... }` or `enum { ... }` types, attributes other than `&optional` and `&log`, names
 * missing from the scope or typed only at run time, spacing other than spaces, tabs and newlines.
 */
export type SignatureArgs<Sig extends string, Scope = NoScope> = string extends Sig
  ? unknown[]
  : true extends IsUnion<Sig>
    ? unknown[]
    : TrimR<Sig> extends `${string}(${infer Body})`
      ? ReadParams<Body, Scope, []> extends infer A
        ? [A] extends [Unread]
          ? unknown[]
          : A extends unknown[]
            ? A
            : unknown[]
        : unknown[]
      : unknown[];
