// Address text as Zeek prints it (zeek_inet_ntop: RFC 5952-style compression, and an embedded
// dotted IPv4 tail for ::a.b.c.d, ::ffff:a.b.c.d and ::ffff:0:a.b.c.d) and the inverse parser.
import { parseAddress } from "../addr.js";

/** Renders 4 or 16 network-order bytes. */
export function formatAddr(b: Uint8Array): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const w: number[] = new Array<number>(8);
  for (let i = 0; i < 8; i++) w[i] = (b[2 * i]! << 8) | b[2 * i + 1]!;
  // Longest run of zero words (first one wins on ties), only if at least 2 long.
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (w[i] === 0) {
      if (curBase === -1) (curBase = i), (curLen = 1);
      else curLen++;
    } else if (curBase !== -1) {
      if (bestBase === -1 || curLen > bestLen) (bestBase = curBase), (bestLen = curLen);
      curBase = -1;
    }
  }
  if (curBase !== -1 && (bestBase === -1 || curLen > bestLen)) (bestBase = curBase), (bestLen = curLen);
  if (bestBase !== -1 && bestLen < 2) bestBase = -1;
  let s = "";
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) s += ":";
      continue;
    }
    if (i !== 0) s += ":";
    if (
      i === 6 &&
      bestBase === 0 &&
      (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff) || (bestLen === 4 && w[4] === 0xffff && w[5] === 0))
    ) {
      s += `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
      return s;
    }
    s += w[i]!.toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) s += ":";
  return s;
}

/** Parses dotted IPv4 (4 bytes) or IPv6 text (16 bytes, optional [brackets]); throws TypeError. */
export function parseAddr(text: string): Uint8Array {
  const t = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const a = parseAddress(t);
  if (a === undefined) throw new TypeError(`not an ${t.includes(":") ? "IPv6" : "IPv4"} address: ${JSON.stringify(text)}`);
  // The log format keeps the family: dotted text is IPv4 (4 bytes), anything else IPv6.
  return t.includes(":") ? a : a.subarray(12);
}
