// Every fuzz target of the project, one file per layer, so `npm test` (short runs) and
// `npm run fuzz` (long runs) cover the same decoders and handshakes.
import type { FuzzTarget } from "./harness.js";
import { brokerTargets } from "./targets-broker.js";
import { curveTargets } from "./targets-curve.js";
import { logTargets } from "./targets-log.js";
import { websocketTargets } from "./targets-websocket.js";
import { zmtpTargets } from "./targets-zmtp.js";

export const targets: FuzzTarget[] = [...brokerTargets, ...logTargets, ...zmtpTargets, ...curveTargets, ...websocketTargets];
