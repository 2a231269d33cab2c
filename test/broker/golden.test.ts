// Every event a real Zeek 8.2.2 sent must decode to what Zeek itself rendered and re-encode to
// the identical bytes, in both of Zeek's event formats.
import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeData, encodeData } from "../../src/codec/broker/bin.js";
import { canonicalSet, canonicalTable, type Data } from "../../src/codec/broker/data.js";
import { decodeEvent, encodeEvent, eventToData } from "../../src/codec/broker/event.js";
import { dataMessageText, decodeJsonData, decodeJsonEvent, encodeJsonData, encodeJsonEvent } from "../../src/codec/broker/json.js";
import { binEvents, discoveryEvents, expectedLines, jsonEvents, normalizeZeekJson } from "./fixtures.js";

test("golden - 26 broker-bin-v1 events render exactly as Zeek's Broker JSON", () => {
  const events = binEvents();
  const expected = expectedLines();
  assert.equal(events.length, 26);
  assert.equal(expected.length, 26);
  events.forEach((m, i) => {
    const d = decodeData(m.parts[3]!);
    const text = dataMessageText(m.parts[0]!.toString("utf8"), d);
    assert.equal(text, normalizeZeekJson(expected[i]!), `line ${i + 1}`);
    JSON.parse(text); // strict JSON, always
  });
});

test("golden - broker-bin-v1 events re-encode byte-identically (Data and event envelope)", () => {
  for (const m of [...binEvents(), ...discoveryEvents()]) {
    const payload = m.parts[3]!;
    assert.deepEqual(encodeData(decodeData(payload)), payload);
    assert.deepEqual(encodeEvent(decodeEvent(payload)), payload);
  }
});

test("golden - broker-json-v1 events re-encode byte-identically, strings and all", () => {
  const events = jsonEvents();
  assert.equal(events.length, 26);
  for (const m of events) {
    assert.equal(m.parts[2]!.toString(), "broker-json-v1");
    assert.deepEqual(encodeJsonData(decodeJsonData(m.parts[3]!)), m.parts[3]);
    assert.deepEqual(encodeJsonEvent(decodeJsonEvent(m.parts[3]!)), m.parts[3]);
  }
});

test("golden - the JSON run carries the same events as the binary run (up to JSON's loss)", () => {
  const bin = binEvents().map((m) => decodeEvent(m.parts[3]!));
  const json = jsonEvents().map((m) => decodeJsonEvent(m.parts[3]!));
  const names = (evs: typeof bin) => evs.map((e) => e.name).sort();
  assert.deepEqual(names(json), names(bin));
  // Counts and strings are lossless in both formats.
  const seqOf = (e: (typeof bin)[0]) => (e.args[0]?.type === "count" ? e.args[0].value : undefined);
  const strings = bin.find((e) => e.name === "Fixture::strings")!;
  const jstrings = json.find((e) => e.name === "Fixture::strings")!;
  assert.equal(seqOf(strings), seqOf(jstrings));
  assert.deepEqual(jstrings.args, strings.args);
});

function walk(d: Data, visit: (d: Data) => void): void {
  visit(d);
  if (d.type === "set" || d.type === "vector") d.value.forEach((x) => walk(x, visit));
  if (d.type === "table") d.value.forEach(([k, v]) => (walk(k, visit), walk(v, visit)));
}

test("golden - Zeek's set and table order is Broker's canonical order", () => {
  let sets = 0;
  for (const m of binEvents()) {
    walk(decodeData(m.parts[3]!), (d) => {
      if (d.type === "set") {
        sets++;
        assert.deepEqual(canonicalSet(d.value), d.value);
      }
      if (d.type === "table") {
        sets++;
        assert.deepEqual(canonicalTable(d.value), d.value);
      }
    });
  }
  assert.ok(sets >= 10, `only ${sets} sets/tables in the fixture`);
});

test("golden - Zeek's Serializer.cc unit-test vector (node_status with network timestamp)", () => {
  const bytes = Buffer.from(
    "0e03" + "020000000000000001" + "020000000000000001" + "0e03" + "0517" + Buffer.from("Supervisor::node_status").toString("hex") +
      "0e02" + "050454455354" + "02000000000000002a" + "0e01" + "0e02" + "020000000000000001" + "090000000000000000",
    "hex",
  );
  assert.equal(bytes.length, 86);
  const ev = decodeEvent(bytes);
  assert.equal(ev.name, "Supervisor::node_status");
  assert.deepEqual(ev.metadata, [{ id: 1n, value: { type: "timestamp", value: 0n } }]);
  assert.deepEqual(encodeEvent(ev), bytes);
  assert.equal(
    encodeJsonData(eventToData(ev)).toString(),
    '{"@data-type":"vector","data":[{"@data-type":"count","data":1},{"@data-type":"count","data":1},{"@data-type":"vector","data":[{"@data-type":"string","data":"Supervisor::node_status"},{"@data-type":"vector","data":[{"@data-type":"string","data":"TEST"},{"@data-type":"count","data":42}]},{"@data-type":"vector","data":[{"@data-type":"vector","data":[{"@data-type":"count","data":1},{"@data-type":"timestamp","data":"1970-01-01T00:00:00.000"}]}]}]}]}',
  );
});
