// Address text as Zeek prints it (zeek_inet_ntop: RFC 5952-style compression, and an embedded
// dotted IPv4 tail for ::a.b.c.d, ::ffff:a.b.c.d and ::ffff:0:a.b.c.d) and the inverse parser.

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

function parseV4(text: string, out: Uint8Array, at: number): boolean {
  const parts = text.split(".");
  if (parts.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^[0-9]{1,3}$/.test(p)) return false;
    const n = Number(p);
    if (n > 255) return false;
    out[at + i] = n;
  }
  return true;
}

/** Parses dotted IPv4 (4 bytes) or IPv6 text (16 bytes, optional [brackets]); throws TypeError. */
export function parseAddr(text: string): Uint8Array {
  if (!text.includes(":")) {
    const out = new Uint8Array(4);
    if (parseV4(text, out, 0)) return out;
    throw new TypeError(`not an IPv4 address: ${JSON.stringify(text)}`);
  }
  let t = text;
  if (t.startsWith("[") && t.endsWith("]")) t = t.slice(1, -1);
  const bad = (): never => {
    throw new TypeError(`not an IPv6 address: ${JSON.stringify(text)}`);
  };
  const out = new Uint8Array(16);
  const halves = t.split("::");
  if (halves.length > 2) bad();
  const groups = (s: string): string[] => (s === "" ? [] : s.split(":"));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const words: number[] = [];
  const all = [...head, ...tail];
  let v4tail = false;
  for (let i = 0; i < all.length; i++) {
    const g = all[i]!;
    if (i === all.length - 1 && g.includes(".")) {
      const b = new Uint8Array(4);
      if (!parseV4(g, b, 0)) bad();
      words.push((b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!);
      v4tail = true;
    } else {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) bad();
      words.push(parseInt(g, 16));
    }
  }
  const headWords = head.length + (v4tail && tail.length === 0 ? 1 : 0);
  if (halves.length === 1 ? words.length !== 8 : words.length > 7) bad();
  const fill = 8 - words.length;
  const full = halves.length === 2 ? [...words.slice(0, headWords), ...new Array<number>(fill).fill(0), ...words.slice(headWords)] : words;
  for (let i = 0; i < 8; i++) {
    out[2 * i] = full[i]! >> 8;
    out[2 * i + 1] = full[i]! & 0xff;
  }
  return out;
}
