// `zeek-zmq decode` as a user runs it: the built CLI on the real captures.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { expectedLines, normalizeZeekJson } from "../broker/fixtures.js";
import { CLI, FIXTURES } from "../paths.js";

function decode(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, "decode", ...args], { encoding: "utf8" });
  return { code: r.status, lines: r.stdout.split("\n").filter(Boolean), stderr: r.stderr };
}

test("decode - event capture prints Zeek's own Broker JSON for every published event", () => {
  const r = decode(resolve(FIXTURES, "events/all-types.capture.jsonl"));
  assert.equal(r.code, 0, r.stderr);
  const expected = expectedLines().map((l) => JSON.parse(normalizeZeekJson(l)));
  assert.deepEqual(r.lines.map((l) => JSON.parse(l)), expected);
});

test("decode - the broker-json-v1 capture prints the same events as Zeek rendered them", () => {
  const r = decode(resolve(FIXTURES, "events/all-types.json-format.capture.jsonl"));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.lines.length, 26);
  const names = r.lines.map((l) => JSON.parse(l).data[2].data[0].data as string);
  assert.deepEqual(names.filter((n) => n.startsWith("Fixture::")).length, 22);
});

test("decode - log capture prints every record exactly as Zeek's JSON logger wrote it", () => {
  const r = decode(resolve(FIXTURES, "logs/logs.capture.jsonl"));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.lines.length, 103);
  const byPath = new Map<string, string[]>();
  for (const l of r.lines) {
    const m = /^\{"_path":"([^"]*)",/.exec(l);
    assert.ok(m, l);
    byPath.set(m[1]!, [...(byPath.get(m[1]!) ?? []), "{" + l.slice(m[0].length)]);
  }
  for (const [path, lines] of byPath) {
    const zeek = readFileSync(resolve(FIXTURES, `logs/logs-json/${path}.log`), "utf8").trim().split("\n");
    assert.deepEqual(lines, zeek, path);
  }
});

test("decode - --header and --subscriptions add batch headers and (un)subscriptions", () => {
  const logs = decode("--header", resolve(FIXTURES, "logs/logs.capture.jsonl"));
  const headers = logs.lines.map((l) => JSON.parse(l)).filter((o) => o.type === "log-batch");
  assert.equal(headers.length, 58);
  assert.deepEqual(headers[0].fields[0], { name: "ts", type: "time", optional: false });
  const subs = decode("--subscriptions", resolve(FIXTURES, "discovery/discovery.capture.jsonl"));
  const kinds = subs.lines.map((l) => JSON.parse(l).type);
  assert.equal(kinds.filter((k) => k === "subscription").length, 25);
  assert.equal(kinds.filter((k) => k === "unsubscription").length, 25);
  assert.equal(kinds.filter((k) => k === "data-message").length, 25);
});

test("decode - a bad message is reported with its line number and the rest still decodes", () => {
  const dir = mkdtempSync(join(tmpdir(), "zeek-zmq-decode-"));
  const good = readFileSync(resolve(FIXTURES, "events/all-types.capture.jsonl"), "utf8").trim().split("\n");
  const firstEvent = good.findIndex((l) => l.includes('"xsub"'));
  const broken = [...good];
  const msg = JSON.parse(broken[firstEvent]!) as { parts: string[] };
  msg.parts[3] = msg.parts[3]!.slice(0, 20); // truncated payload
  broken[firstEvent] = JSON.stringify(msg);
  broken.splice(3, 0, "not json");
  const file = join(dir, "broken.jsonl");
  writeFileSync(file, broken.join("\n"));
  const r = decode(file);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /broken\.jsonl:4: not a JSON object/);
  assert.match(r.stderr, new RegExp(`broken\\.jsonl:${firstEvent + 2}: broker-bin-v1: .* at offset \\d+`));
  assert.equal(r.lines.length, 25);
});

test("decode - --format decodes a single payload file; bad input exits non-zero with the reason", () => {
  const dir = mkdtempSync(join(tmpdir(), "zeek-zmq-decode-"));
  const cap = readFileSync(resolve(FIXTURES, "logs/logs.capture.jsonl"), "utf8").split("\n")[0]!;
  const batch = join(dir, "batch.bin");
  writeFileSync(batch, Buffer.from((JSON.parse(cap) as { parts: string[] }).parts[3]!, "hex"));
  const logs = decode("--format", "zeek-bin-serializer", batch);
  assert.equal(logs.code, 0, logs.stderr);
  assert.equal(logs.lines.length, 20);
  const ev = join(dir, "ev.bin");
  writeFileSync(ev, Buffer.from("0e03020000000000000001020000000000000001" + "0e0205" + "0470696e67" + "0e01" + "020000000000000007", "hex"));
  const e = decode("--format", "broker-bin-v1", ev);
  assert.equal(e.code, 0, e.stderr);
  assert.equal(JSON.parse(e.lines[0]!).data[2].data[0].data, "ping");
  writeFileSync(ev, "{\"@data-type\":\"count\"");
  const bad = decode("--format", "broker-json-v1", ev);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /broker-json-v1: .* at offset \d+/);
  assert.equal(decode("--format", "zeek-bin-v1", ev).code, 2);
});
