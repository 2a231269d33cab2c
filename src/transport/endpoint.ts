// libzmq endpoint syntax: `tcp://host:port`, `tcp://*:port`, `tcp://[::1]:port`, `ipc:///path`.
import { isIP } from "node:net";
import { ConfigError } from "../errors.js";

export type Endpoint =
  | { readonly transport: "tcp"; readonly host: string; readonly port: number }
  | { readonly transport: "ipc"; readonly path: string };

/**
 * Parses a libzmq endpoint. `*` (any interface) is returned as host "*"; the caller maps it to
 * 0.0.0.0 or :: depending on the `ipv6` option, as libzmq does with ZMQ_IPV6.
 */
export function parseEndpoint(text: string, option = "endpoint"): Endpoint {
  if (text.startsWith("ipc://")) {
    const path = text.slice(6);
    if (path === "" || path === "*") throw new ConfigError(option, `"${text}": ipc:// needs a socket path, e.g. ipc:///tmp/zeek.sock`);
    return { transport: "ipc", path };
  }
  if (!text.startsWith("tcp://")) {
    throw new ConfigError(option, `"${text}": unsupported transport; use tcp://host:port or ipc:///path`);
  }
  const rest = text.slice(6);
  const colon = rest.lastIndexOf(":");
  if (colon < 0) throw new ConfigError(option, `"${text}": missing port, e.g. tcp://127.0.0.1:5556`);
  let host = rest.slice(0, colon);
  const portText = rest.slice(colon + 1);
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  else if (host.includes(":")) throw new ConfigError(option, `"${text}": IPv6 addresses need brackets, e.g. tcp://[::1]:5556`);
  if (host === "") throw new ConfigError(option, `"${text}": missing host; use * for every interface`);
  const port = portText === "*" ? 0 : Number(portText);
  if (!/^\d+$/.test(portText) && portText !== "*") throw new ConfigError(option, `"${text}": port "${portText}" is not a number`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(option, `"${text}": port ${portText} out of range 0..65535`);
  return { transport: "tcp", host, port };
}

/** Host to pass to `net.Server.listen` for a bind endpoint. */
export function bindHost(ep: { host: string }, ipv6: boolean): string {
  if (ep.host === "*") return ipv6 ? "::" : "0.0.0.0";
  checkFamily(ep.host, ipv6);
  return ep.host;
}

/** Refuses an IPv6 literal unless the `ipv6` option is on (libzmq fails such binds/connects too). */
export function checkFamily(host: string, ipv6: boolean): void {
  if (isIP(host) === 6 && !ipv6) {
    throw new ConfigError("ipv6", `address ${host} is IPv6; set the ipv6 option to use it`);
  }
}

/** Formats an endpoint as libzmq reports it (ZMQ_LAST_ENDPOINT). */
export function formatEndpoint(ep: Endpoint): string {
  if (ep.transport === "ipc") return `ipc://${ep.path}`;
  const host = ep.host.includes(":") ? `[${ep.host}]` : ep.host;
  return `tcp://${host}:${ep.port}`;
}
