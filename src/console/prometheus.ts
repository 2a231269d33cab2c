// Reading a node's Prometheus endpoint: a bounded scrape over HTTP and a parser of the text
// exposition format (0.0.4) that keeps only the families the console uses. The text comes from
// a peer (a node we scrape), so the body size, the line length, the number of series kept and
// every label value are bounded, and a malformed line is skipped and counted, never thrown.
import { Agent, request } from "node:http";

export interface Sample {
  readonly name: string;
  /** Label values by name; empty when the series has none. */
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface ParseResult {
  readonly samples: Sample[];
  /** Lines that were not valid exposition text. */
  readonly badLines: number;
  /** Series of wanted families beyond `maxSamples`. */
  readonly dropped: number;
}

export interface ParseLimits {
  /** Series kept (of wanted families). @default 5000 */
  maxSamples?: number;
  /** Characters of a label value kept. @default 200 */
  maxLabelLength?: number;
  /** Lines longer than this are skipped. @default 16384 */
  maxLineLength?: number;
}

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

function parseValue(text: string): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "NaN") return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return Number.NaN;
  return Number(text);
}

/** Parses `{k="v",...}` at `line[i] === "{"`; returns the labels and the index after `}`, or undefined. */
function parseLabels(line: string, i: number, maxLen: number): [Record<string, string>, number] | undefined {
  const labels: Record<string, string> = {};
  i++;
  for (;;) {
    while (line[i] === " ") i++;
    if (line[i] === "}") return [labels, i + 1];
    const m = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i, i + 256));
    if (!m) return undefined;
    const key = m[0];
    i += key.length;
    while (line[i] === " ") i++;
    if (line[i] !== "=" || line[i + 1] !== '"') return undefined;
    i += 2;
    let v = "";
    for (;;) {
      const c = line[i];
      if (c === undefined) return undefined;
      if (c === '"') break;
      if (c === "\\") {
        const n = line[i + 1];
        if (n === "n") v += "\n";
        else if (n === "\\" || n === '"') v += n;
        else return undefined;
        i += 2;
      } else {
        v += c;
        i++;
      }
    }
    i++;
    if (key !== "__proto__") labels[key] = v.length > maxLen ? v.slice(0, maxLen) : v;
    while (line[i] === " ") i++;
    if (line[i] === ",") i++;
    else if (line[i] !== "}") return undefined;
  }
}

/** Parses exposition text, keeping only series whose name satisfies `wanted`. */
export function parsePrometheus(text: string, wanted: (name: string) => boolean, limits: ParseLimits = {}): ParseResult {
  const maxSamples = limits.maxSamples ?? 5000;
  const maxLabel = limits.maxLabelLength ?? 200;
  const maxLine = limits.maxLineLength ?? 16384;
  const samples: Sample[] = [];
  let badLines = 0;
  let dropped = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    if (line === "" || line[0] === "#") continue;
    if (line.length > maxLine) {
      badLines++;
      continue;
    }
    const m = NAME_RE.exec(line);
    if (!m) {
      badLines++;
      continue;
    }
    const name = m[0];
    if (!wanted(name)) continue;
    let i = name.length;
    let labels: Readonly<Record<string, string>> = {};
    if (line[i] === "{") {
      const r = parseLabels(line, i, maxLabel);
      if (!r) {
        badLines++;
        continue;
      }
      [labels, i] = r;
    }
    const rest = line.slice(i).trim().split(/\s+/);
    const value = parseValue(rest[0] ?? "");
    if (rest.length > 2 || (Number.isNaN(value) && rest[0] !== "NaN")) {
      badLines++;
      continue;
    }
    if (samples.length >= maxSamples) {
      dropped++;
      continue;
    }
    samples.push({ name, labels, value });
  }
  return { samples, badLines, dropped };
}

export interface ScrapeOptions {
  /** @default 900 ms */
  timeoutMs?: number;
  /** Bytes of body read at most; a larger answer fails the scrape. @default 4 MiB */
  maxBytes?: number;
  agent?: Agent;
}

/** GETs `url` (http only) and resolves with the body; rejects with a short reason. */
export function fetchText(url: string, opts: ScrapeOptions = {}): Promise<string> {
  const maxBytes = opts.maxBytes ?? 4 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      reject(new Error(`not a URL: ${url}`));
      return;
    }
    if (u.protocol !== "http:") {
      reject(new Error(`only http:// endpoints can be scraped, got ${u.protocol}`));
      return;
    }
    const req = request(u, { method: "GET", agent: opts.agent, timeout: opts.timeoutMs ?? 900, headers: { accept: "text/plain" } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`HTTP ${res.statusCode}`));
        return;
      }
      const chunks: Buffer[] = [];
      let n = 0;
      res.on("data", (c: Buffer) => {
        n += c.length;
        if (n > maxBytes) {
          req.destroy(new Error(`answer larger than ${maxBytes} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${opts.timeoutMs ?? 900} ms`)));
    req.on("error", reject);
    req.end();
  });
}
