// The web console: `startConsole()` joins the cluster (silently, through the broker), gathers
// its numbers once a second and serves the page. Used by `zeek-zmq console`, `zeek-zmq cluster
// --web` and a layout node's `web:` option; see docs/console.md.
import { ClusterConsole, type ConsoleSources } from "./console.js";
import { startWebServer, type WebServerOptions } from "./server.js";

export { ClusterConsole, type ConsoleSources, type SupervisorSource, type TickMessage } from "./console.js";
export { isLoopback, parseListen, type WebLimits, type WebServerOptions } from "./server.js";
export type { SupervisedNode } from "./model.js";

export interface RunningConsole {
  /** e.g. http://127.0.0.1:8080/ */
  readonly url: string;
  readonly console: ClusterConsole;
  close(): Promise<void>;
}

/** Starts gathering and serving; rejects with a ConfigError for a bad or unsafe listen address. */
export async function startConsole(opts: ConsoleSources & { web: WebServerOptions }): Promise<RunningConsole> {
  const con = new ClusterConsole(opts);
  const web = await startWebServer(con, opts.web);
  con.start();
  return {
    url: web.url,
    console: con,
    async close() {
      await web.close();
      await con.close();
    },
  };
}
