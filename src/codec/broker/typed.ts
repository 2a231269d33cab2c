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
import { parseSignature, typeName, type JsOf, type RecordField, type TypeScope, type ZType } from "./types.js";

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

/** Declares an event from Zeek's signature text, e.g. `bench(s: string, c: count, a: addr, t: time)`. */
export function eventFromSignature(signature: string, scope?: TypeScope): EventDecl<unknown[]> {
  const s = parseSignature(signature, scope);
  return new EventDecl<unknown[]>(s.name, s.params);
}

