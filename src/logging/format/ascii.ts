// Zeek's ASCII (TSV) log writer output (logging/writers/ascii + threading/formatters/Ascii):
// header block, record lines and the #close line, with Zeek's escaping and number rendering.
// Pure formatting: strings in, strings out (write them as UTF-8; they are Zeek's exact bytes).
import { EncodeError } from "../../errors.js";
import { LogPort, TypeTag, type LogField, type LogValue } from "../../codec/zeek-log/index.js";
import { escapeAsciiBytes, escapeMetaValue, hexEscape } from "./escape.js";
import { formatAsciiDouble, formatAsciiTime } from "./numbers.js";
import { addrText, boolOf, bytesOf, inner, integerText, kindOf, numberOf, subnetText, typeOf } from "./values.js";
import { equalBytes } from "../../bytes.js";

/** The LogAscii options that shape the output (defaults are Zeek's). */
export interface AsciiFormatOptions {
  /** LogAscii::separator, default "\t". */
  separator?: string;
  /** LogAscii::set_separator, default ",". */
  setSeparator?: string;
  /** LogAscii::empty_field, default "(empty)". */
  emptyField?: string;
  /** LogAscii::unset_field, default "-". */
  unsetField?: string;
  /** LogAscii::meta_prefix, default "#". */
  metaPrefix?: string;
  /** LogAscii::enable_utf_8, default true: valid UTF-8 passes unescaped. */
  enableUtf8?: boolean;
  /** Filter config tsv=T: one plain names line instead of the meta header, and no #close. */
  tsv?: boolean;
}

const enc = new TextEncoder();

// type_name() of Zeek's Type.cc (16 is "types" there).
const ZEEK_TYPE_NAMES = ["void", "bool", "int", "count", "double", "time", "interval", "string", "pattern", "enum", "port", "addr", "subnet", "any", "table", "record", "types", "func", "file", "vector", "opaque", "type", "error"];
function zeekTypeName(t: number): string {
  return ZEEK_TYPE_NAMES[t] ?? "type_name(): not a type tag";
}

/** The `#types` entry of a column (Field::TypeName: a table column always prints as set). */
export function asciiTypeName(f: LogField): string {
  if (f.type === TypeTag.table) return `set[${zeekTypeName(f.subtype)}]`;
  if (f.type === TypeTag.vector) return `vector[${zeekTypeName(f.subtype)}]`;
  return zeekTypeName(f.type);
}

/** Zeek's #open/#close time: local time as %Y-%m-%d-%H-%M-%S. */
export function formatLogTimestamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}-${p(d.getHours())}-${p(d.getMinutes())}-${p(d.getSeconds())}`;
}

/** ASCII writer formatting with fixed options; create one per log file (or share one). */
export class AsciiLogFormat {
  readonly separator: string;
  readonly setSeparator: string;
  readonly emptyField: string;
  readonly unsetField: string;
  readonly metaPrefix: string;
  readonly enableUtf8: boolean;
  readonly tsv: boolean;
  private readonly sepBytes: Uint8Array;
  private readonly setSepBytes: Uint8Array;
  private readonly emptyBytes: Uint8Array;
  private readonly unsetBytes: Uint8Array;
  private readonly topSeqs: Uint8Array[];
  private readonly setSeqs: Uint8Array[];
  private readonly emptyTop: string;
  private readonly emptySet: string;
  private readonly unsetTop: string;
  private readonly unsetSet: string;

  constructor(options: AsciiFormatOptions = {}) {
    this.separator = options.separator ?? "\t";
    this.setSeparator = options.setSeparator ?? ",";
    this.emptyField = options.emptyField ?? "(empty)";
    this.unsetField = options.unsetField ?? "-";
    this.metaPrefix = options.metaPrefix ?? "#";
    this.enableUtf8 = options.enableUtf8 ?? true;
    this.tsv = options.tsv ?? false;
    this.sepBytes = enc.encode(this.separator);
    this.setSepBytes = enc.encode(this.setSeparator);
    this.emptyBytes = enc.encode(this.emptyField);
    this.unsetBytes = enc.encode(this.unsetField);
    // The writer escapes the separator everywhere, the formatter adds the set separator inside containers.
    this.topSeqs = [this.sepBytes];
    this.setSeqs = [this.sepBytes, this.setSepBytes];
    this.emptyTop = this.escape(this.emptyBytes, this.topSeqs);
    this.emptySet = this.escape(this.emptyBytes, this.setSeqs);
    this.unsetTop = this.escape(this.unsetBytes, this.topSeqs);
    this.unsetSet = this.escape(this.unsetBytes, this.setSeqs);
  }

  private escape(b: Uint8Array, seqs: readonly Uint8Array[]): string {
    return escapeAsciiBytes(b, 0, b.length, seqs, this.enableUtf8);
  }

  /**
   * The header block up to and including #types (or the single names line in tsv mode), each
   * line ending in "\n". `open` is the #open time (a Date, formatted in local time, or ready text).
   */
  header(path: string, fields: LogField[], open: Date | string): string {
    const names = fields.map((f) => this.fieldName(f.name)).join(this.separator);
    if (this.tsv) return names + "\n";
    const m = this.metaPrefix;
    const sep = this.separator;
    const meta = (s: string): string => escapeMetaValue(enc.encode(s));
    const types = fields.map(asciiTypeName).join(sep);
    const openText = typeof open === "string" ? open : formatLogTimestamp(open);
    return (
      `${m}separator ${meta(sep)}\n` +
      `${m}set_separator${sep}${meta(this.setSeparator)}\n` +
      `${m}empty_field${sep}${meta(this.emptyField)}\n` +
      `${m}unset_field${sep}${meta(this.unsetField)}\n` +
      `${m}path${sep}${meta(path)}\n` +
      `${m}open${sep}${openText}\n` +
      `${m}fields${sep}${names}\n` +
      `${m}types${sep}${types}\n`
    );
  }

  /**
   * A column name as the header shows it. Zeek writes names unescaped (its names are script
   * identifiers), but a remote batch's names are peer-chosen: the separator, backslash, newline
   * and other control bytes are escaped like values (\xHH), so a name can neither add a column
   * nor forge a meta line. Identifiers are unchanged.
   */
  fieldName(name: string): string {
    for (let i = 0; i < name.length; i++) {
      const c = name.charCodeAt(i);
      if (c < 0x21 || c > 0x7e || c === 0x5c || this.separator.includes(name[i]!)) {
        const b = enc.encode(name);
        return escapeAsciiBytes(b, 0, b.length, this.topSeqs, this.enableUtf8);
      }
    }
    return name;
  }

  /** The #close line with "\n" ("" in tsv mode). */
  close(closeTime: Date | string): string {
    if (this.tsv) return "";
    return `${this.metaPrefix}close${this.separator}${typeof closeTime === "string" ? closeTime : formatLogTimestamp(closeTime)}\n`;
  }

  /** One record line, without the trailing "\n". Throws EncodeError for a value that does not fit its column. */
  record(fields: LogField[], values: LogValue[]): string {
    let s = "";
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      const raw = values[i] ?? null;
      if (i > 0) s += this.separator;
      s += this.value(inner(raw), typeOf(raw, f.type), f.subtype, false, f.name);
    }
    // A line that would read as a meta line gets its first byte escaped.
    const m = this.metaPrefix;
    if (m.length > 0 && s.startsWith(m)) {
      // Zeek escapes only the first byte; for a non-ASCII first character that would leave
      // broken UTF-8, so all of that character's bytes are escaped here.
      const cp = s.codePointAt(0)!;
      const n = cp > 0xffff ? 2 : 1;
      let esc = "";
      for (const b of enc.encode(s.slice(0, n))) esc += hexEscape(b);
      s = esc + s.slice(n);
    }
    return s;
  }

  private value(v: LogValue, type: number, elemType: number, inSet: boolean, path: string): string {
    if (v === null) return inSet ? this.unsetSet : this.unsetTop;
    switch (type) {
      case TypeTag.bool:
        return boolOf(v, path) ? "T" : "F";
      case TypeTag.int:
      case TypeTag.count:
        return integerText(v, path);
      case TypeTag.port:
        if (v instanceof LogPort) return String(v.port);
        throw new EncodeError(path, `port must be a LogPort, got ${kindOf(v)}`);
      case TypeTag.addr:
        return addrText(v, path);
      case TypeTag.subnet:
        return subnetText(v, path);
      case TypeTag.double:
        return formatAsciiDouble(numberOf(v, path));
      case TypeTag.time:
      case TypeTag.interval:
        return formatAsciiTime(numberOf(v, path));
      case TypeTag.string:
      case TypeTag.enum:
      case TypeTag.file:
      case TypeTag.func:
        return this.stringValue(bytesOf(v, path), inSet);
      case TypeTag.table:
      case TypeTag.vector: {
        if (!Array.isArray(v)) throw new EncodeError(path, `expected an array, got ${kindOf(v)}`);
        if (v.length === 0) return inSet ? this.emptySet : this.emptyTop;
        let s = "";
        for (let i = 0; i < v.length; i++) {
          if (i > 0) s += this.setSeparator;
          const e = v[i]!;
          s += this.value(inner(e), typeOf(e, elemType), TypeTag.void, true, `${path}[${i}]`);
        }
        return s;
      }
      default:
        throw new EncodeError(path, `type ${zeekTypeName(type)} cannot be written by the ASCII writer`);
    }
  }

  private stringValue(b: Uint8Array, inSet: boolean): string {
    const seqs = inSet ? this.setSeqs : this.topSeqs;
    if (b.length === 0) return inSet ? this.emptySet : this.emptyTop;
    // A value equal to unset_field or empty_field gets its first byte escaped to stay unambiguous.
    if (equalBytes(b, this.unsetBytes) || equalBytes(b, this.emptyBytes))
      return hexEscape(b[0]!) + escapeAsciiBytes(b, 1, b.length, seqs, this.enableUtf8);
    return escapeAsciiBytes(b, 0, b.length, seqs, this.enableUtf8);
  }
}

const DEFAULT_FORMAT = new AsciiLogFormat();

/** A record line with Zeek's default LogAscii options (no trailing "\n"). */
export function formatAsciiLogRecord(fields: LogField[], values: LogValue[], format: AsciiLogFormat = DEFAULT_FORMAT): string {
  return format.record(fields, values);
}
