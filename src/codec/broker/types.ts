// Zeek's type language, as values (`z.count`, `z.set(z.addr)`, ...) that also carry the JS type
// a value of that Zeek type maps to, and a parser for the textual form
// (`table[addr] of set[string]`, `bench(s: string, c: count)`).
import { ConfigError } from "../../errors.js";
import type { Data } from "./data.js";

export type ScalarKind =
  | "bool" | "int" | "count" | "double" | "time" | "interval" | "string" | "bytes"
  | "addr" | "subnet" | "port" | "enum" | "pattern" | "any";

export interface RecordField {
  readonly name: string;
  readonly type: ZType;
  readonly optional: boolean;
}

export type ZType =
  | { readonly kind: ScalarKind; readonly name?: string }
  | { readonly kind: "set"; readonly index: readonly ZType[] }
  | { readonly kind: "table"; readonly index: readonly ZType[]; readonly yield: ZType }
  | { readonly kind: "vector"; readonly of: ZType }
  | { readonly kind: "record"; readonly name?: string; readonly fields: readonly RecordField[] };

/** A ZType that remembers, at compile time only, the JS type of its values. */
export type Typed<V> = ZType & { readonly __js?: V };
export type JsOf<T> = T extends { readonly __js?: infer V } ? V : unknown;

/** A Zeek port as text: "80/tcp", "53/udp", "8/icmp", "42/unknown". */
export type PortText = `${number}/${"tcp" | "udp" | "icmp" | "unknown"}`;
/** A Zeek pattern as Broker carries it: the exact and the anywhere regex source. */
export interface PatternValue {
  exact: string;
  anywhere: string;
}

type Optional<T extends ZType> = { readonly optional: T };
type FieldSpec = ZType | Optional<ZType>;
type Unwrap<F> = F extends Optional<infer T> ? T : F;
type RecordJs<F extends Record<string, FieldSpec>> = {
  -readonly [K in keyof F as F[K] extends Optional<ZType> ? never : K]: JsOf<F[K]>;
} & {
  -readonly [K in keyof F as F[K] extends Optional<ZType> ? K : never]?: JsOf<Unwrap<F[K]>>;
};
type IndexJs<I extends readonly ZType[]> = I extends readonly [infer One] ? JsOf<One> : { -readonly [K in keyof I]: JsOf<I[K]> };

const scalar = <V>(kind: ScalarKind): Typed<V> => Object.freeze({ kind }) as Typed<V>;

/**
 * Builders for Zeek types. JS mapping: bool→boolean; int, count→bigint; double→number;
 * time, interval→number (seconds); string→string (UTF-8; use `bytes` for raw bytes); addr,
 * subnet→string; port→"80/tcp"; enum→its full name; set→array; table→Map (composite keys as
 * tuples); vector→array; record→object (&optional fields may be undefined); any→Broker Data.
 */
export const z = {
  bool: scalar<boolean>("bool"),
  int: scalar<bigint>("int"),
  count: scalar<bigint>("count"),
  double: scalar<number>("double"),
  time: scalar<number>("time"),
  interval: scalar<number>("interval"),
  string: scalar<string>("string"),
  /** A Zeek `string` delivered as raw bytes (Zeek strings need not be UTF-8). */
  bytes: scalar<Uint8Array>("bytes"),
  addr: scalar<string>("addr"),
  subnet: scalar<string>("subnet"),
  port: scalar<PortText>("port"),
  pattern: scalar<PatternValue>("pattern"),
  any: scalar<Data>("any"),
  enum: <N extends string = string>(name?: string): Typed<N> => Object.freeze(name ? { kind: "enum", name } : { kind: "enum" }) as Typed<N>,
  set: <const I extends readonly ZType[]>(...index: I): Typed<IndexJs<I>[]> => Object.freeze({ kind: "set", index }) as Typed<IndexJs<I>[]>,
  table: <const I extends readonly ZType[], Y extends ZType>(index: I, yieldType: Y): Typed<Map<IndexJs<I>, JsOf<Y>>> =>
    Object.freeze({ kind: "table", index, yield: yieldType }) as Typed<Map<IndexJs<I>, JsOf<Y>>>,
  vector: <T extends ZType>(of: T): Typed<JsOf<T>[]> => Object.freeze({ kind: "vector", of }) as Typed<JsOf<T>[]>,
  optional: <T extends ZType>(type: T): Optional<T> => ({ optional: type }),
  record: <const F extends Record<string, FieldSpec>>(fields: F, name?: string): Typed<RecordJs<F>> => {
    const list: RecordField[] = Object.entries(fields).map(([n, f]) =>
      "optional" in f && typeof f.optional === "object" ? { name: n, type: f.optional, optional: true } : { name: n, type: f as ZType, optional: false },
    );
    return Object.freeze(name ? { kind: "record", name, fields: list } : { kind: "record", fields: list }) as Typed<RecordJs<F>>;
  },
};

/** Zeek's spelling of a type, e.g. "table[addr] of set[string]". */
export function typeName(t: ZType): string {
  switch (t.kind) {
    case "set":
      return `set[${t.index.map(typeName).join(",")}]`;
    case "table":
      return `table[${t.index.map(typeName).join(",")}] of ${typeName(t.yield)}`;
    case "vector":
      return `vector of ${typeName(t.of)}`;
    case "record":
      return t.name ?? `record { ${t.fields.map((f) => `${f.name}: ${typeName(f.type)}${f.optional ? " &optional" : ""};`).join(" ")} }`;
    case "bytes":
      return "string";
    default:
      return t.name ?? t.kind;
  }
}

// ---- the textual type language ----

const SCALARS = new Set<string>(["bool", "int", "count", "double", "time", "interval", "string", "addr", "subnet", "port", "pattern", "any", "enum"]);

/** Named types a signature may refer to, e.g. { "Fixture::Color": z.enum(), "Outer": z.record(...) }. */
export type TypeScope = Readonly<Record<string, ZType>>;

class TypeParser {
  private pos = 0;
  private readonly toks: string[];
  constructor(
    private readonly text: string,
    private readonly scope: TypeScope,
  ) {
    this.toks = text.match(/&?[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*|[[\]{}(),:;=]|"(?:[^"\\]|\\.)*"|-?[0-9][0-9.a-z/]*|\S/g) ?? [];
  }

  fail(detail: string): never {
    throw new ConfigError("signature", `${detail} in ${JSON.stringify(this.text)} (token ${this.pos + 1})`);
  }

  peek(): string | undefined {
    return this.toks[this.pos];
  }

  next(): string {
    const t = this.toks[this.pos++];
    if (t === undefined) this.fail("unexpected end");
    return t;
  }

  expect(t: string): void {
    const got = this.next();
    if (got !== t) this.fail(`expected '${t}', got '${got}'`);
  }

  done(): boolean {
    return this.pos >= this.toks.length;
  }

  type(): ZType {
    const t = this.next();
    if (t === "set" || t === "table") {
      this.expect("[");
      const index = [this.type()];
      while (this.peek() === ",") {
        this.next();
        index.push(this.type());
      }
      this.expect("]");
      if (t === "set") return { kind: "set", index };
      this.expect("of");
      return { kind: "table", index, yield: this.type() };
    }
    if (t === "vector") {
      this.expect("of");
      return { kind: "vector", of: this.type() };
    }
    if (t === "record") {
      this.expect("{");
      const fields: RecordField[] = [];
      while (this.peek() !== "}") fields.push(this.field(";"));
      this.next();
      return { kind: "record", fields };
    }
    if (t === "enum" && this.peek() === "{") {
      while (this.next() !== "}");
      return { kind: "enum" };
    }
    if (SCALARS.has(t)) return { kind: t as ScalarKind };
    const named = this.scope[t];
    if (named) return named;
    return this.fail(`unknown type '${t}' (declare it in the type scope)`);
  }

  /** `name: type [&optional] [&log] [&default=...]` followed by `end` (consumed if present). */
  field(end: string): RecordField {
    const name = this.next();
    if (!/^[A-Za-z_]/.test(name)) this.fail(`expected a field name, got '${name}'`);
    this.expect(":");
    const type = this.type();
    let optional = false;
    while (this.peek()?.startsWith("&")) {
      const attr = this.next();
      if (attr === "&optional") optional = true;
      else if (attr === "&default" || attr === "&deprecated") {
        if (this.peek() === "=") {
          this.next();
          this.next();
        }
      }
    }
    if (this.peek() === end) this.next();
    return { name, type, optional };
  }
}

/** Parses a Zeek type, e.g. `parseType("table[count,string] of bool")`. */
export function parseType(text: string, scope: TypeScope = {}): ZType {
  const p = new TypeParser(text, scope);
  const t = p.type();
  if (!p.done()) p.fail("trailing text");
  return t;
}

export interface Signature {
  readonly name: string;
  readonly params: readonly RecordField[];
}

/** Parses an event signature: `Fixture::ints(seq: count, a: int)` or `event x(...)`. */
export function parseSignature(text: string, scope: TypeScope = {}): Signature {
  const p = new TypeParser(text.replace(/^\s*event\s+/, ""), scope);
  const name = p.next();
  if (!/^[A-Za-z_][A-Za-z0-9_:]*$/.test(name)) p.fail(`bad event name '${name}'`);
  p.expect("(");
  const params: RecordField[] = [];
  while (p.peek() !== ")") params.push(p.field(","));
  p.next();
  if (!p.done()) p.fail("trailing text");
  return { name, params };
}
