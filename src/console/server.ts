// The console's HTTP side: the page and its assets (from dist, shipped in the package; nothing
// comes from the internet), one Server-Sent Events stream of ticks per page, one SSE stream per
// open event tail, and small JSON endpoints. Loopback by default; any other address needs a
// token (basic auth with the token as password, or a Bearer header). Without a token, only
// loopback Host headers are served, so a web site cannot reach the console through DNS
// rebinding. Streams are bounded in number and in buffered bytes per client.
import { createHash, timingSafeEqual } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { isIP, type AddressInfo } from "node:net";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError } from "../errors.js";
import type { ClusterConsole } from "./console.js";
import type { TailClient, TailUpdate } from "./tail.js";

export interface WebLimits {
  /** Pages with the live stream open at once. @default 32 */
  maxClients: number;
  /** Event tails open at once (all pages). @default 8 */
  maxTails: number;
  /** Bytes of a tail's topic prefix. @default 256 */
  maxPrefixBytes: number;
  /** A client whose unsent data passes this is disconnected (it reconnects and resyncs). @default 4 MiB */
  maxBufferedBytes: number;
}

export const DEFAULT_WEB_LIMITS: WebLimits = { maxClients: 32, maxTails: 8, maxPrefixBytes: 256, maxBufferedBytes: 4 * 1024 * 1024 };

export interface WebServerOptions {
  /** "ADDR:PORT" ("127.0.0.1:8080", "[::1]:0", "0.0.0.0:8080"). */
  listen: string;
  /** Required for a non-loopback address; at least 16 characters. */
  token?: string;
  limits?: Partial<WebLimits>;
}

export interface WebServer {
  /** e.g. http://127.0.0.1:8080/ */
  readonly url: string;
  readonly port: number;
  /** Open live streams and tails. */
  readonly clients: () => { pages: number; tails: number };
  close(): Promise<void>;
}

const MIN_TOKEN = 16;
const WEB_DIR = fileURLToPath(new URL("./web/", import.meta.url));
const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".txt": "text/plain; charset=utf-8",
};
const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

/** Parses "ADDR:PORT"; throws ConfigError naming the flag. */
export function parseListen(text: string, what = "--web"): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new ConfigError(what, `expected ADDR:PORT (e.g. 127.0.0.1:8080, [::1]:8080; port 0 = any free port), got ${JSON.stringify(text)}`);
  return { host: m[1] ?? m[2]!, port };
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1" || /^::ffff:127\./i.test(host);
}

/** The static files of the page: read once at start (a few hundred KiB), served from memory. */
function loadAssets(): Map<string, { body: Buffer; type: string }> {
  const out = new Map<string, { body: Buffer; type: string }>();
  const walk = (dir: string, prefix: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(`${dir}${e.name}/`, `${prefix}${e.name}/`);
      else {
        const type = TYPES[extname(e.name)];
        if (type !== undefined) out.set(`/${prefix}${e.name}`, { body: readFileSync(`${dir}${e.name}`), type });
      }
    }
  };
  walk(WEB_DIR, "");
  const index = out.get("/index.html");
  if (index === undefined) throw new ConfigError("web", `the console's page is missing (${WEB_DIR}index.html); rebuild with "npm run build"`);
  out.set("/", index);
  return out;
}

function digest(s: string): Buffer {
  return createHash("sha256").update(s, "utf8").digest();
}

export async function startWebServer(con: ClusterConsole, opts: WebServerOptions): Promise<WebServer> {
  const { host, port } = parseListen(opts.listen);
  const token = opts.token;
  if (token !== undefined && token.length < MIN_TOKEN) throw new ConfigError("web token", `must be at least ${MIN_TOKEN} characters (got ${token.length}); e.g. "openssl rand -hex 24"`);
  if (!isLoopback(host) && token === undefined)
    throw new ConfigError(
      "--web",
      `${opts.listen} is not a loopback address: anyone who reaches it would see the cluster. Set a token (ZEEK_ZMQ_WEB_TOKEN=<16+ characters>, or --web-token-file FILE); the browser then asks for it (any user name, the token as password). Or bind 127.0.0.1 and use an SSH tunnel.`,
    );
  const limits = { ...DEFAULT_WEB_LIMITS, ...opts.limits };
  const assets = loadAssets();
  const tokenDigest = token === undefined ? undefined : digest(token);
  const pages = new Set<ServerResponse>();
  const tails = new Map<ServerResponse, TailClient>();

  const authorized = (req: IncomingMessage): boolean => {
    if (tokenDigest === undefined) return true;
    const h = req.headers.authorization ?? "";
    let given: string | undefined;
    if (/^Bearer /i.test(h)) given = h.slice(7).trim();
    else if (/^Basic /i.test(h)) {
      const decoded = Buffer.from(h.slice(6).trim(), "base64").toString("utf8");
      given = decoded.slice(decoded.indexOf(":") + 1);
    }
    return given !== undefined && timingSafeEqual(digest(given), tokenDigest);
  };

  /** Without a token: only loopback names in Host (DNS rebinding). */
  const hostAllowed = (req: IncomingMessage): boolean => {
    if (tokenDigest !== undefined) return true;
    const h = req.headers.host ?? "";
    const name = /^\[([^\]]+)\](?::\d+)?$/.exec(h)?.[1] ?? h.replace(/:\d+$/, "");
    return isLoopback(name);
  };

  const send = (res: ServerResponse, status: number, body: string | Buffer, type = "text/plain; charset=utf-8", extra: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body), "cache-control": "no-store", ...SECURITY_HEADERS, ...extra });
    res.end(body);
  };

  /** Writes one SSE message; a client that does not read is disconnected. */
  const sse = (res: ServerResponse, event: string, data: unknown): void => {
    if (res.writableLength > limits.maxBufferedBytes) {
      res.destroy();
      return;
    }
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };

  const openStream = (res: ServerResponse) => {
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", connection: "keep-alive", ...SECURITY_HEADERS });
    res.write("retry: 2000\n\n");
  };

  const onTick = (msg: unknown) => {
    for (const res of pages) sse(res, "tick", msg);
  };
  con.on("tick", onTick);

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://console.invalid");
    if (!hostAllowed(req)) return send(res, 403, "forbidden: this console answers only to loopback host names (set a token to serve other names)\n");
    if (!authorized(req)) return send(res, 401, "the console needs its token: any user name, the token as password\n", undefined, { "www-authenticate": 'Basic realm="zeek-zmq console", charset="UTF-8"' });
    if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "only GET\n", undefined, { allow: "GET, HEAD" });
    const path = url.pathname;
    const asset = assets.get(path);
    if (asset !== undefined) return send(res, 200, asset.body, asset.type, { "cache-control": "no-cache" });
    switch (path) {
      case "/api/state":
        return send(res, 200, JSON.stringify(con.snapshot()), "application/json");
      case "/api/history": {
        const h = con.history(url.searchParams.get("node") ?? "");
        return h === undefined ? send(res, 404, "no such node\n") : send(res, 200, JSON.stringify(h), "application/json");
      }
      case "/api/events": {
        if (pages.size >= limits.maxClients) return send(res, 503, `too many open consoles (${limits.maxClients}); close one\n`);
        openStream(res);
        pages.add(res);
        sse(res, "snapshot", con.snapshot());
        res.on("close", () => pages.delete(res));
        return;
      }
      case "/api/tail": {
        const prefix = url.searchParams.get("prefix") ?? "";
        if (Buffer.byteLength(prefix) > limits.maxPrefixBytes) return send(res, 400, `topic prefix longer than ${limits.maxPrefixBytes} bytes\n`);
        if (tails.size >= limits.maxTails) return send(res, 503, `too many open event tails (${limits.maxTails}); close one\n`);
        const tail = con.tail;
        if (tail === undefined) return send(res, 503, "the console has not joined the cluster yet (waiting for the broker)\n");
        openStream(res);
        const client: TailClient = {
          prefix,
          update: (u: TailUpdate) => sse(res, "tail", u),
          stopped: (reason) => {
            sse(res, "stopped", { reason });
            tails.delete(res);
            res.end();
          },
        };
        tails.set(res, client);
        tail.add(client);
        sse(res, "subscribed", { prefix, subscription: tail.subscriptionFor(prefix) });
        res.on("close", () => {
          if (tails.delete(res)) tail.remove(client);
        });
        return;
      }
      default:
        return send(res, 404, "not found\n");
    }
  });
  server.keepAliveTimeout = 5000;
  // SSE streams are long-lived; nothing else needs a long request time.
  server.requestTimeout = 0;
  const hb = setInterval(() => {
    for (const res of [...pages, ...tails.keys()]) if (res.writableLength < limits.maxBufferedBytes) res.write(": keep-alive\n\n");
  }, 15_000);
  hb.unref();

  await new Promise<void>((resolve, reject) => {
    server.once("error", (e) => reject(new ConfigError("--web", `cannot listen on ${opts.listen}: ${e.message}`, { cause: e })));
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const shown = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shown}:${addr.port}/`,
    port: addr.port,
    clients: () => ({ pages: pages.size, tails: tails.size }),
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(hb);
        con.off("tick", onTick);
        for (const [res, c] of tails) {
          con.tail?.remove(c);
          res.end();
        }
        tails.clear();
        for (const res of pages) res.end();
        pages.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
