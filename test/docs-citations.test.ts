// Code comments may cite the wire reference as "wire.md §N.M": every such section must be a
// heading of docs/wire.md, and no comment in src/ may point at a file outside the repository
// (the shared spec the docs were written from, "spec §…"). Comments are found with the
// TypeScript parser, so strings, template literals and regular expressions never count.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { test } from "node:test";
import ts from "typescript";
import { ROOT } from "./paths.js";

interface SourceComment {
  file: string;
  line: number;
  text: string;
}

type Qualifier = "wire.md" | "rfc" | "none";

interface Citation {
  /** Section number as written, e.g. "1.8"; a range "2.2-2.5" gives both ends. */
  section: string;
  qualifier: Qualifier;
}

/** Every comment (line, block, JSDoc) of one TypeScript source, each reported once. */
function commentsOf(file: string, text: string): SourceComment[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const seen = new Set<number>();
  const out: SourceComment[] = [];
  const collect = (ranges: ts.CommentRange[] | undefined): void => {
    for (const r of ranges ?? []) {
      if (seen.has(r.pos)) continue;
      seen.add(r.pos);
      out.push({ file, line: sf.getLineAndCharacterOfPosition(r.pos).line + 1, text: text.slice(r.pos, r.end) });
    }
  };
  // getChildren() includes punctuation tokens and the end-of-file token, so a comment before a
  // closing brace or at the end of the file is attached to something we visit.
  const visit = (node: ts.Node): void => {
    collect(ts.getLeadingCommentRanges(text, node.getFullStart()));
    collect(ts.getTrailingCommentRanges(text, node.getEnd()));
    for (const child of node.getChildren(sf)) visit(child);
  };
  visit(sf);
  return out.sort((a, b) => a.line - b.line);
}

/**
 * The numeric § citations in a comment with what qualifies each: "wire.md §1.8", "RFC 23 §3",
 * or nothing. A citation chained after another ("wire.md §2.2-2.5, §5.1") shares its qualifier.
 */
function citationsIn(text: string): Citation[] {
  const out: Citation[] = [];
  const re = /§\s*(\d+(?:\.\d+)*)(?:\s*[-–]\s*(\d+(?:\.\d+)*))?/g;
  let prevEnd = -1;
  let prevQualifier: Qualifier = "none";
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const before = text.slice(Math.max(prevEnd, 0), m.index);
    let qualifier: Qualifier = "none";
    if (/wire\.md\s*$/.test(before)) qualifier = "wire.md";
    else if (/\bRFC\s*\d+\s*$/i.test(before)) qualifier = "rfc";
    else if (prevEnd >= 0 && /^\s*(?:,|;|\/|&|and|or)\s*$/.test(before)) qualifier = prevQualifier;
    out.push({ section: m[1]!, qualifier });
    if (m[2] !== undefined) out.push({ section: m[2], qualifier });
    prevEnd = m.index + m[0].length;
    prevQualifier = qualifier;
  }
  return out;
}

/** What in a comment names a file outside the repository; `file` is the commented source. */
function outsideReferences(file: string, text: string): string[] {
  const hits: { start: number; end: number; text: string }[] = [];
  const add = (start: number, match: string): void => {
    if (!hits.some((h) => start < h.end && start + match.length > h.start)) hits.push({ start, end: start + match.length, text: match });
  };
  const patterns: RegExp[] = [
    /\.\.\/shared\b[^\s)]*/g, // the sibling folder the spec and seeds live in
    /\/work\/[^\s)]*/g,
    /\bshared\/(?:spec|seeds|fixtures)\b[^\s)]*/g,
    /\bseeds\/[^\s)]*/g,
    /\bspec\s+§\s*[\d.]+/g, // "spec §2.1": the shared spec, not docs/wire.md
    /\bspec\s+wire\.md\b/g,
  ];
  for (const p of patterns) for (const m of text.matchAll(p)) add(m.index, m[0]);
  // Any other relative path that climbs out of the repository from where the comment is.
  for (const m of text.matchAll(/(?:\.\.\/)+[\w.-]+(?:\/[\w.-]+)*/g)) {
    if (relative(ROOT, resolve(dirname(file), m[0])).startsWith("..")) add(m.index, m[0]);
  }
  return hits.sort((a, b) => a.start - b.start).map((h) => h.text);
}

/** Section numbers of the headings of a Markdown document ("### 1.8 XPUB …" gives "1.8"), outside fences. */
function headingSections(md: string): Set<string> {
  const out = new Set<string>();
  let fenced = false;
  for (const line of md.split("\n")) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced) continue;
    const m = /^#{1,6}\s+§?(\d+(?:\.\d+)*)\.?\s/.exec(line);
    if (m) out.add(m[1]!);
  }
  return out;
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...tsFiles(p));
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) out.push(p);
  }
  return out.sort();
}

function commentsUnder(dir: string): SourceComment[] {
  return tsFiles(resolve(ROOT, dir)).flatMap((f) => commentsOf(f, readFileSync(f, "utf8")));
}

const where = (c: SourceComment): string => `${relative(ROOT, c.file).split(sep).join("/")}:${c.line}`;

test("docs - the citation scanner reads comments only, with their qualifiers, ranges and outside paths", () => {
  const file = resolve(ROOT, "src/cluster/example.ts");
  const source = [
    'const s = "spec §9.9 and ../shared/spec in a string";',
    "const t = `wire.md §9.8 ${s} // not a comment`;",
    "const r = /\\/\\/ wire.md §9.7/;",
    "// wire.md §1.8 and RFC 23 §3; see §2.5 and ../shared/spec/wire.md",
    "/** wire.md §2.2-2.5, §5.1 (spec §6.1) */",
    "function f(): void {",
    "  // before a closing brace: ../../../outside.md",
    "}",
    "// at the end of the file: wire.md §7",
  ].join("\n");
  const comments = commentsOf(file, source);
  assert.deepEqual(
    comments.map((c) => c.line),
    [4, 5, 7, 9],
  );
  assert.deepEqual(citationsIn(comments[0]!.text), [
    { section: "1.8", qualifier: "wire.md" },
    { section: "3", qualifier: "rfc" },
    { section: "2.5", qualifier: "none" },
  ]);
  assert.deepEqual(citationsIn(comments[1]!.text), [
    { section: "2.2", qualifier: "wire.md" },
    { section: "2.5", qualifier: "wire.md" },
    { section: "5.1", qualifier: "wire.md" },
    { section: "6.1", qualifier: "none" },
  ]);
  assert.deepEqual(citationsIn(comments[3]!.text), [{ section: "7", qualifier: "wire.md" }]);
  assert.deepEqual(outsideReferences(file, comments[0]!.text), ["../shared/spec/wire.md"]);
  assert.deepEqual(outsideReferences(file, comments[1]!.text), ["spec §6.1"]);
  assert.deepEqual(outsideReferences(file, comments[2]!.text), ["../../../outside.md"]);
  assert.deepEqual(outsideReferences(resolve(ROOT, "src/a/b.ts"), "// ../c.ts and ../../README.md"), []);
  assert.deepEqual([...headingSections("# Title\n## 1. A\n### 1.4.1 B\n```text\n## 9.9 fenced\n```\n#### §2.5 C\n")], ["1", "1.4.1", "2.5"]);
});

test("docs - every wire.md § cited in a src/ or test/ comment is a heading of docs/wire.md", () => {
  const sections = headingSections(readFileSync(resolve(ROOT, "docs/wire.md"), "utf8"));
  // The document keeps the numbering the code was written against: §1 … §8.
  for (const top of ["1", "2", "3", "4", "5", "6", "7", "8"]) assert.ok(sections.has(top), `docs/wire.md has no "## ${top}." heading`);
  const missing: string[] = [];
  let cited = 0;
  for (const dir of ["src", "test"]) {
    for (const c of commentsUnder(dir)) {
      for (const cit of citationsIn(c.text)) {
        // src/ must say wire.md (checked below); test/ comments also cite it bare ("§5.1 order").
        if (cit.qualifier === "rfc" || (dir === "src" && cit.qualifier === "none")) continue;
        if (dir === "src") cited++;
        if (!sections.has(cit.section)) missing.push(`${where(c)}: §${cit.section}`);
      }
    }
  }
  assert.deepEqual(missing, [], "cited sections that docs/wire.md does not have");
  // The scan must actually see src/'s citations (transport, codec, cluster, telemetry).
  assert.ok(cited >= 10, `only ${cited} wire.md citations found in src/`);
});

test("docs - src/ comments cite sections as wire.md §N.M and name no file outside the repository", () => {
  const problems: string[] = [];
  for (const c of commentsUnder("src")) {
    for (const cit of citationsIn(c.text)) {
      if (cit.qualifier === "none") problems.push(`${where(c)}: §${cit.section} does not say which document; write "wire.md §${cit.section}"`);
    }
    for (const ref of outsideReferences(c.file, c.text)) {
      problems.push(`${where(c)}: "${ref}" is outside the repository; cite docs/ (e.g. "wire.md §N.M") instead`);
    }
  }
  assert.deepEqual(problems, []);
});
