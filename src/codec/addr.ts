// IP address text <-> 16-byte network-order form (IPv4 as v4-mapped ::ffff:a.b.c.d, as Broker
// and Zeek store every address).
import { isIPv6 } from "node:net";
import { bytesAt } from "../bytes.js";

const V4_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

export function isV4Mapped(a: Uint8Array): boolean {
  return bytesAt(a, 0, V4_PREFIX);
}

/** Parses IPv4 or IPv6 text (no brackets, no zone) into 16 bytes; undefined if invalid. */
export function parseAddress(text: string): Uint8Array | undefined {
  const out = new Uint8Array(16);
  if (writeV4Mapped(text, out, 0)) return out;
  if (!isIPv6(text) || text.includes("%")) return undefined;
  // Expand an embedded dotted quad into two groups first.
  let t = text;
  const dot = t.lastIndexOf(":");
  const tail = t.slice(dot + 1);
  if (tail.includes(".")) {
    const q = tail.split(".").map(Number);
    t = `${t.slice(0, dot + 1)}${((q[0]! << 8) | q[1]!).toString(16)}:${((q[2]! << 8) | q[3]!).toString(16)}`;
  }
  const [head, rest] = t.includes("::") ? t.split("::") : [t, undefined];
  const h = head ? head.split(":") : [];
  const r = rest === undefined ? [] : rest ? rest.split(":") : [];
  const groups = rest === undefined ? h : [...h, ...Array<string>(8 - h.length - r.length).fill("0"), ...r];
  if (groups.length !== 8) return undefined;
  for (let i = 0; i < 8; i++) {
    const g = parseInt(groups[i]!, 16);
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  }
  return out;
}

/**
 * Dotted quad (no leading zeros, as node:net's isIPv4) as 16 v4-mapped bytes at out[off..];
 * false (bytes partly written) if `t` is not one.
 */
export function writeV4Mapped(t: string, out: Uint8Array, off: number): boolean {
  let part = 0;
  let digits = 0;
  let value = 0;
  for (let i = 0; i <= t.length; i++) {
    const c = i < t.length ? t.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || value > 255 || part > 3) return false;
      out[off + 12 + part++] = value;
      digits = 0;
      value = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && value === 0) return false; // leading zero
      value = value * 10 + c - 0x30;
      if (++digits > 3) return false;
    } else return false;
  }
  if (part !== 4) return false;
  for (let i = off; i < off + 10; i++) out[i] = 0;
  out[off + 10] = 0xff;
  out[off + 11] = 0xff;
  return true;
}

export function formatV4(a: Uint8Array, off = 12): string {
  return `${a[off]}.${a[off + 1]}.${a[off + 2]}.${a[off + 3]}`;
}

/**
 * CAF's address text (what Broker JSON prints): v4-mapped as dotted quad, otherwise lowercase
 * hex groups with the first longest run of two or more zero groups shortened to "::".
 */
export function formatAddress(a: Uint8Array): string {
  if (isV4Mapped(a)) return formatV4(a);
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((a[2 * i]! << 8) | a[2 * i + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i >= 2 && j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(":");
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

/** Zeroes the host bits of a 16-byte address for a raw (v6-relative) prefix length. */
export function maskAddress(a: Uint8Array, rawLength: number): Uint8Array {
  const out = Uint8Array.from(a);
  for (let bit = rawLength; bit < 128; bit++) out[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return out;
}
