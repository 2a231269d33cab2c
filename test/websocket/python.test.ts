// The fixture's own recording client (scripts/capture.py, Python websockets, run under Debian's
// python3 as for the recording) against a zeek-zmq host: its transcript must equal the one
// recorded from Zeek 8.2.2, line for line, byte for byte.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { FIXTURES, TEST_CWD } from "../paths.js";
import { startCluster, type TestCluster } from "./helpers.js";
import { PYTHON, pythonWebsockets } from "./python.js";
import { FIXTURE_NODE_ID, managerOutput } from "./fixture.js";
import { Proc } from "../harness/proc.js";

const skip = pythonWebsockets();

describe("websocket python - the fixture's capture.py against zeek-zmq", { skip }, () => {
  let c: TestCluster;
  before(async () => {
    c = await startCluster({}, FIXTURE_NODE_ID);
  });
  after(async () => c?.close());

  test("capture.py writes Zeek 8.2.2's transcript, byte for byte; the host raises what Zeek's manager printed", async () => {
    const out = join(TEST_CWD, "python-transcript.jsonl");
    const script = resolve(FIXTURES, "websocket/scripts/capture.py");
    const py = Proc.spawn(PYTHON, [script, String(c.server.port), out], { label: "capture.py", stdin: "ignore" });
    assert.equal((await py.exit()).code, 0, `capture.py exit status${py.output()}`);
    assert.equal(readFileSync(out, "utf8"), readFileSync(resolve(FIXTURES, "websocket/transcript.jsonl"), "utf8"));
    assert.deepEqual(c.log.lines, managerOutput());
  });
});
