// Declare a Zeek event once, encode it as Zeek's broker-bin-v1, decode it back, print Broker JSON.
import { dataToJsonText, decodeEvent, defineEvent, eventToData, z } from "zeek-zmq";

const connSeen = defineEvent("Demo::conn_seen", [z.string, z.addr, z.port, z.count, z.time], ["uid", "orig_h", "resp_p", "bytes", "ts"]);

const payload = connSeen.encode(["CHhAvVGS1DHFjwGM9", "192.168.1.10", "443/tcp", 18_446_744_073_709_551_615n, 1700000000.5]);
const [uid, orig, port, bytes, ts] = connSeen.decode(payload); // string, string, PortText, bigint, number
console.log(uid, orig, port, bytes, ts);
console.log(dataToJsonText(eventToData(decodeEvent(payload))));
