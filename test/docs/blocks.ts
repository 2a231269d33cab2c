// Reading the code blocks of Markdown docs for the doc tests (see doc-blocks.test.ts for what
// each kind of block must do).

export interface DocBlock {
  /** The doc, relative to the repository (README.md, docs/cli.md). */
  readonly doc: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The info string's first word, lower case ("sh", "ts", "yaml", "" for none). */
  readonly lang: string;
  /** `file=NAME`: the block is that file's content. */
  readonly file: string | undefined;
  /** `excerpt=PATH`: the block is a part of PATH. */
  readonly excerpt: string | undefined;
  /** `no-run (reason)`: the reason, "" when no-run is given without one. */
  readonly noRun: string | undefined;
  readonly text: string;
}

/** Every fenced block of `markdown` (``` or ~~~, indented or not), its indentation removed. */
export function docBlocks(doc: string, markdown: string): DocBlock[] {
  const lines = markdown.split("\n");
  const out: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, info] = open as unknown as [string, string, string, string];
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = new RegExp(`^\\s*${fence[0] === "`" ? "`" : "~"}{${fence.length},}\\s*$`).exec(lines[j]!);
      if (close) break;
      body.push(lines[j]!.startsWith(indent) ? lines[j]!.slice(indent.length) : lines[j]!.trimStart());
    }
    const lang = (/^(\S*)/.exec(info)?.[1] ?? "").toLowerCase();
    const noRun = /(?:^|\s)no-run(?:\s*\(([^)]*)\))?/.exec(info);
    out.push({
      doc,
      line: i + 1,
      lang,
      file: /(?:^|\s)file=(\S+)/.exec(info)?.[1],
      excerpt: /(?:^|\s)excerpt=(\S+)/.exec(info)?.[1],
      noRun: noRun ? (noRun[1] ?? "").trim() : undefined,
      text: body.join("\n") + "\n",
    });
    i = j;
  }
  return out;
}

export const SHELL_LANGS = new Set(["sh", "bash", "shell"]);
export const TS_LANGS = new Set(["ts", "typescript"]);
export const JS_LANGS = new Set(["js", "javascript", "mjs"]);

/** Whether the block is run (not a file, excerpt or no-run block, and a runnable language). */
export function isRunnable(b: DocBlock): boolean {
  if (b.file !== undefined || b.excerpt !== undefined || b.noRun !== undefined) return false;
  return SHELL_LANGS.has(b.lang) || TS_LANGS.has(b.lang) || JS_LANGS.has(b.lang);
}

/** Module specifiers a code block imports. */
export function importsOf(code: string): string[] {
  const out: string[] = [];
  for (const m of code.matchAll(/(?:^|\n)\s*import\s+(?:[^'";]+?\s+from\s+)?["']([^"']+)["']/g)) out.push(m[1]!);
  for (const m of code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) out.push(m[1]!);
  return out;
}
