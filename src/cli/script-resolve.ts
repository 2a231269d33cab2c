// `--script` modules may live anywhere on disk (a /tmp/app.mjs, a project of their own) and still
// `import ... from "zeek-zmq"`: ESM ignores NODE_PATH, so a module resolution hook maps the bare
// specifier to this package's entry point, the same copy the node runs on.
import { register } from "node:module";

let registered = false;

/** Installs the hook (once per process) before any script is imported. */
export function registerScriptResolution(): void {
  if (registered) return;
  registered = true;
  const entry = new URL("../index.js", import.meta.url).href;
  register(new URL("./script-hooks.js", import.meta.url), { data: { entry } });
}
