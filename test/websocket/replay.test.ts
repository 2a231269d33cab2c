// Replays every case of the transcript recorded from a real Zeek 8.2.2 WebSocket server
// (fixtures/zeek-8.2.2/websocket) against a zeek-zmq host with the fixture manager's node id and
// script: the client sends exactly what the recording client sent, in the same order, and every
// server message must be byte-identical, every close code and reason the same, and the host must
// raise the same events in the same order as the Zeek manager printed them.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { FIXTURE_NODE_ID, managerOutput, transcript } from "./fixture.js";
import { Client, lost, startCluster, type TestCluster } from "./helpers.js";

const PATHS: Record<string, string> = { "bad-uri": "/v1/other" };
const HEADERS: Record<string, Record<string, string>> = { "application-name": { "X-Application-Name": "fixture-app" } };

describe("websocket replay - every case of Zeek 8.2.2's transcript, byte for byte", () => {
  let c: TestCluster;
  const entries = transcript();
  const cases = [...new Set(entries.map((e) => e.case.replace(/:.*$/, "")))];

  before(async () => {
    c = await startCluster({}, FIXTURE_NODE_ID);
  });
  after(async () => c?.close());

  for (const name of cases) {
    test(`case ${name}`, async () => {
      const mine = entries.filter((e) => e.case === name || e.case.startsWith(`${name}:`));
      const clients = new Map<string, Client>();
      const ids = new Map<string, string>();
      const seen = new Map<string, number>();
      const clientFor = async (key: string): Promise<Client> => {
        let cl = clients.get(key);
        if (cl === undefined) {
          cl = await Client.connect(c.server.url, { ...(PATHS[name] ? { path: PATHS[name] } : {}), ...(HEADERS[name] ? { headers: HEADERS[name] } : {}) });
          clients.set(key, cl);
          seen.set(key, 0);
        }
        return cl;
      };
      for (const e of mine) {
        const cl = await clientFor(e.case);
        if (e.dir === "send") cl.send(e.text!);
        else if (e.dir === "recv") {
          const n = seen.get(e.case)! + 1;
          seen.set(e.case, n);
          const got = (await cl.waitFor(n))[n - 1]!;
          assert.equal(got, e.text, `${e.case}: server message ${n}`);
          const ack = /"type":"ack","endpoint":"([^"]+)"/.exec(got);
          if (ack) ids.set(e.case, ack[1]!);
        } else if (e.dir === "close") {
          if (e.code === 1000) {
            const gone = lost(c.server, ids.get(e.case));
            await cl.close(1000);
            if (name !== "bad-uri") await gone;
          }
          const closed = await cl.closed;
          assert.deepEqual(closed, { code: e.code, reason: e.reason }, `${e.case}: close`);
          assert.equal(cl.received.length, seen.get(e.case), `${e.case}: no further server messages`);
        } else assert.fail(`the recording has an error entry: ${JSON.stringify(e)}`);
      }
      // Cases without a close entry (two-clients): closed in the order the recording's client closed them.
      for (const key of [...clients.keys()].reverse()) {
        const cl = clients.get(key)!;
        if (cl.ws.readyState !== cl.ws.OPEN) continue;
        const gone = lost(c.server, ids.get(key));
        await cl.close(1000);
        await gone;
        assert.equal(cl.received.length, seen.get(key), `${key}: no further server messages`);
      }
    });
  }

  test("the host raised exactly what the Zeek manager printed, in order", () => {
    assert.deepEqual(c.log.lines, managerOutput());
  });

  test("the host reported the three refused events, as the Zeek manager's stderr did", () => {
    const refusals = c.log.warnings.filter((w) => w.includes("failed to create Zeek event"));
    assert.equal(refusals.length, 3, refusals.join("\n"));
    assert.match(refusals[0]!, /Demo::ping.*string/);
    assert.match(refusals[1]!, /Demo::ping.*expected 2 arguments, got 1/);
    assert.match(refusals[2]!, /Failed to lookup handler for 'Demo::nope'/);
  });
});
