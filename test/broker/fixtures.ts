// Loads the event captures from the real Zeek 8.2.2 cluster.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseCapture, type CapturedMessage } from "../../src/cli/capture.js";
import { FIXTURES } from "../paths.js";

export function loadCapture(rel: string): CapturedMessage[] {
  const out: CapturedMessage[] = [];
  for (const m of parseCapture(readFileSync(resolve(FIXTURES, rel), "utf8"))) {
    if (m instanceof Error) throw m;
    out.push(m);
  }
  return out;
}

export const binEvents = () => loadCapture("events/all-types.capture.jsonl").filter((m) => m.socket === "xsub");
export const jsonEvents = () => loadCapture("events/all-types.json-format.capture.jsonl").filter((m) => m.socket === "xsub");
export const discoveryEvents = () => loadCapture("discovery/discovery.capture.jsonl").filter((m) => m.socket === "xsub");

/** The expected Broker JSON lines as raw bytes (two of them are not valid JSON, by Zeek's design). */
export function expectedLines(): Buffer[] {
  const raw = readFileSync(resolve(FIXTURES, "events/all-types.expected.jsonl"));
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= raw.length; i++) {
    if (i === raw.length || raw[i] === 0x0a) {
      if (i > start) lines.push(raw.subarray(start, i));
      start = i + 1;
    }
  }
  return lines;
}

/**
 * Applies the fixture README's normalisation to Zeek's (not always valid) Broker JSON: bare
 * inf/-inf/nan become strings, raw control bytes and \v become JSON escapes, bytes that are not
 * UTF-8 become the text \xHH. Written independently of the codec so it can check it.
 */
export function normalizeZeekJson(line: Buffer): string {
  let out = "";
  let i = 0;
  const hex = (b: number) => b.toString(16).padStart(2, "0");
  while (i < line.length) {
    const c = line[i]!;
    if (c === 0x22) {
      // copy a string, normalising its bytes
      out += '"';
      i++;
      while (line[i] !== 0x22) {
        const b = line[i]!;
        if (b === 0x5c) {
          const e = String.fromCharCode(line[i + 1]!);
          out += e === "v" ? "\\u000b" : "\\" + e;
          i += 2;
        } else if (b < 0x20) {
          out += { 8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r" }[b] ?? "\\u00" + hex(b);
          i++;
        } else if (b < 0x80) {
          out += String.fromCharCode(b);
          i++;
        } else {
          const len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 ? 2 : 0;
          const seq = line.subarray(i, i + len);
          const ok = len > 0 && seq.length === len && [...seq.subarray(1)].every((x) => (x & 0xc0) === 0x80);
          if (ok) {
            out += seq.toString("utf8");
            i += len;
          } else {
            out += "\\\\x" + hex(b);
            i++;
          }
        }
      }
      out += '"';
      i++;
      continue;
    }
    const rest = line.toString("latin1", i, i + 4);
    const bare = ["-inf", "inf", "nan"].find((w) => rest.startsWith(w));
    if (bare && line[i - 1] === 0x3a) {
      out += `"${bare}"`;
      i += bare.length;
      continue;
    }
    out += String.fromCharCode(c);
    i++;
  }
  return out;
}
