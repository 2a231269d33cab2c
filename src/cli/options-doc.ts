// The option reference, derived from the option specs: `zeek-zmq help options`, the option
// lines of a command's --help, and the README's options table (checked by a test,
// rewritten by `npm run docs:options`).
import { defaultText, OPTION_SPECS, type OptionGroup, type OptionSpec } from "../cluster/option-specs.js";

const GROUP_TITLES: Readonly<Record<OptionGroup, string>> = {
  zeromq: "Zeek's ZeroMQ backend (Cluster::Backend::ZeroMQ::NAME)",
  extension: "zeek-zmq extensions (Zeek has no such option)",
  logging: "Log files (log receivers, and nodes that have no logger to send to)",
  telemetry: "Telemetry (Telemetry::NAME)",
};

const GROUP_ORDER: readonly OptionGroup[] = ["zeromq", "extension", "logging", "telemetry"];

/** Backticks of the Markdown default text dropped for the terminal. */
function plain(s: string): string {
  return s.replaceAll("`", "");
}

function valueWord(s: OptionSpec): string {
  if (s.parser.list) return "A,B";
  const d: unknown = s.default;
  return typeof d === "boolean" ? "T|F" : "VALUE";
}

/** Help lines for `specs` (all by default): flag, layout name, variable, default, doc. */
export function optionLines(specs: readonly OptionSpec[] = OPTION_SPECS): string[] {
  const lines: string[] = [];
  for (const group of GROUP_ORDER) {
    const inGroup = specs.filter((s) => s.group === group);
    if (inGroup.length === 0) continue;
    lines.push("", `${GROUP_TITLES[group]}:`);
    for (const s of inGroup) {
      lines.push(`  --${s.flag} ${valueWord(s)}`);
      lines.push(`      ${s.doc}`);
      const zeek = s.zeekId !== undefined && s.zeekId !== `Cluster::Backend::ZeroMQ::${s.zeek}` && s.zeekId !== `Telemetry::${s.zeek}` ? ` (Zeek: ${s.zeekId})` : "";
      lines.push(`      layout: ${s.zeek}${zeek}; env: ${s.env}; default: ${plain(defaultText(s))}${s.unhonoured ? `; accepted, no effect: ${s.unhonoured}` : ""}`);
    }
  }
  return lines;
}

export const OPTIONS_HELP_HEAD = `Options of every node (zeek-zmq node and cluster, broker, tap, publish, logger), under Zeek's
names. Each comes from, later winning: its default; what Zeek derives from the layout for the
node; the layout's "options:" section (key xpub_sndhwm or xpubSndhwm); the environment
variable; the flag. Values are checked; errors name the option as you wrote it.
Flag values that start with "-" need "=": --linger-ms=-1.`;

/** `zeek-zmq help options`. */
export function optionsHelp(): string {
  return [OPTIONS_HELP_HEAD, ...optionLines()].join("\n");
}

function cell(s: string): string {
  return s.replaceAll("|", "\\|");
}

/** The README's options table: one row per option. */
export function optionsMarkdownTable(): string {
  const rows = ["| option (layout key) | flag, environment | TS key | default | what it does |", "| --- | --- | --- | --- | --- |"];
  for (const group of GROUP_ORDER)
    for (const s of OPTION_SPECS.filter((x) => x.group === group)) {
      const name = s.group === "extension" ? `\`${s.zeek}\` (zeek-zmq)` : s.zeekId !== undefined && !s.zeekId.endsWith(`::${s.zeek}`) ? `\`${s.zeek}\` (Zeek: \`${s.zeekId}\`)` : `\`${s.zeek}\``;
      const note = s.unhonoured ? ` Accepted, no effect: ${s.unhonoured}.` : "";
      rows.push(`| ${name} | \`--${s.flag}\`, \`${s.env}\` | \`${s.key}\` | ${cell(defaultText(s))} | ${cell(s.doc + note)} |`);
    }
  return rows.join("\n");
}

/** The markers around the generated table in README.md. */
export const TABLE_BEGIN = "<!-- options-table: generated from src/cluster/option-specs.ts by `npm run docs:options` -->";
export const TABLE_END = "<!-- options-table end -->";

/** `text` with the part between the markers replaced by the current table. */
export function withOptionsTable(text: string): string {
  const a = text.indexOf(TABLE_BEGIN);
  const b = text.indexOf(TABLE_END);
  if (a < 0 || b < a) throw new Error(`the options table markers are missing (${TABLE_BEGIN} ... ${TABLE_END})`);
  return text.slice(0, a + TABLE_BEGIN.length) + "\n" + optionsMarkdownTable() + "\n" + text.slice(b);
}
