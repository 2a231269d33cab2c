// A short, Zeek-like text of event arguments for the tail: ["worker-1", 14, 10.0.0.1, 443/tcp]
// instead of Broker JSON's {"@data-type": ...} wrappers. Bounded: it stops at `max` characters.
import { formatAddress, isV4Mapped } from "../codec/addr.js";
import type { Data } from "../codec/broker/data.js";
import { formatTimespan, formatTimestamp } from "../codec/broker/json.js";

class Out {
  text = "";
  constructor(readonly max: number) {}
  get full(): boolean {
    return this.text.length >= this.max;
  }

  add(s: string): void {
    if (!this.full) this.text += s;
  }
}

function value(d: Data, o: Out, depth: number): void {
  if (o.full) return;
  switch (d.type) {
    case "none":
      return o.add("-");
    case "boolean":
      return o.add(d.value ? "T" : "F");
    case "count":
    case "integer":
      return o.add(d.value.toString());
    case "real":
      return o.add(String(d.value));
    case "string":
      return o.add(JSON.stringify(Buffer.from(d.value).toString("utf8")));
    case "address":
      return o.add(formatAddress(d.value));
    case "subnet":
      return o.add(`${formatAddress(d.address)}/${isV4Mapped(d.address) ? d.length - 96 : d.length}`);
    case "port":
      return o.add(`${d.number}/${d.protocol}`);
    case "timestamp":
      return o.add(formatTimestamp(d.value));
    case "timespan":
      return o.add(formatTimespan(d.value));
    case "enum-value":
      return o.add(d.value);
    case "set":
    case "vector": {
      if (depth > 8) return o.add("…");
      o.add(d.type === "set" ? "{" : "[");
      d.value.forEach((v, i) => {
        if (i > 0) o.add(", ");
        value(v, o, depth + 1);
      });
      return o.add(d.type === "set" ? "}" : "]");
    }
    case "table": {
      if (depth > 8) return o.add("…");
      o.add("{");
      d.value.forEach(([k, v], i) => {
        if (i > 0) o.add(", ");
        value(k, o, depth + 1);
        o.add(": ");
        value(v, o, depth + 1);
      });
      return o.add("}");
    }
  }
}

/** `(arg, arg, ...)` of an event, at most `max` characters (then "…"). */
export function argsText(args: readonly Data[], max = 400): string {
  const o = new Out(max);
  o.add("(");
  args.forEach((a, i) => {
    if (i > 0) o.add(", ");
    value(a, o, 0);
  });
  o.add(")");
  return o.text.length > max ? `${o.text.slice(0, max)}…` : o.text;
}
