// Module resolution hooks (node:module register) for `--script` modules: "zeek-zmq" resolves to
// the running package's entry point wherever the script is. Runs on Node's hooks thread.

let entry = "";

export function initialize(data: { entry: string }): void {
  entry = data.entry;
}

interface ResolveResult {
  url: string;
  format?: string | null;
  shortCircuit?: boolean;
}

export async function resolve(specifier: string, context: unknown, nextResolve: (s: string, c: unknown) => Promise<ResolveResult>): Promise<ResolveResult> {
  if (specifier === "zeek-zmq" && entry !== "") return { url: entry, format: "module", shortCircuit: true };
  return nextResolve(specifier, context);
}
