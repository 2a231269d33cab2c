// Monitoring of a node's client sockets, as Zeek 8.2's `monitoring_event` reports libzmq's
// socket monitor: connected, disconnected, handshake succeeded / failed with libzmq's numbers.
import { HandshakeError, type ZmtpSocket } from "../transport/index.js";
import type { MonitoringEvent } from "./node-types.js";

/** libzmq's monitor event number and value for a failed handshake (wire.md §1.10). */
export function zmqMonitorCode(e: Error): [number, number] {
  if (!(e instanceof HandshakeError)) return [0x2000, 0x10000000]; // ZMTP_UNSPECIFIED
  switch (e.reason) {
    case "auth":
      return [0x4000, e.status ?? 400];
    case "mechanism-mismatch":
      return [0x2000, 0x11000002]; // ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH
    case "crypto":
      return [0x2000, 0x11000001]; // ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
    case "socket-type":
      return [0x2000, 0x10000018]; // ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA
    case "protocol":
    case "version":
      return [0x2000, 0x10000000];
    default:
      return [0x0800, 0]; // HANDSHAKE_FAILED_NO_DETAIL (timeout, limit, peer's ERROR)
  }
}

// Handshake failures that mean the cluster is misconfigured (Zeek fatals on these, wire.md §1.10).
const FATAL_HANDSHAKE = new Set(["auth", "crypto", "mechanism-mismatch", "socket-type"]);

/** Where a monitored socket's events go. */
export interface MonitorSink {
  event(ev: MonitoringEvent): void;
  /** A misconfiguration (bad CURVE keys, wrong peer): the node cannot work. */
  fatal(message: string): void;
  warn(message: string): void;
}

/** Translates `sock`'s events into MonitoringEvents; a misconfigured handshake is fatal. */
export function monitorSocket(socket: MonitoringEvent["socket"], sock: ZmtpSocket, sink: MonitorSink): void {
  sock.on("connected", (d) => sink.event({ socket, event: "connected", endpoint: d.endpoint, remote: d.remote, number: 0x0001, value: 0 }));
  sock.on("disconnected", (d) =>
    sink.event({ socket, event: "disconnected", endpoint: d.endpoint, remote: d.remote, number: 0x0200, value: 0, ...(d.error ? { detail: d.error.message } : {}) }),
  );
  sock.on("handshake", (d) => sink.event({ socket, event: "handshake_succeeded", endpoint: d.endpoint, remote: d.remote, number: 0x1000, value: 0 }));
  sock.on("handshake:error", (d) => {
    const reason = d.error instanceof HandshakeError ? d.error.reason : "protocol";
    const [number, value] = zmqMonitorCode(d.error);
    sink.event({ socket, event: "handshake_failed", endpoint: d.endpoint, remote: d.remote, reason, detail: d.error.message, number, value });
    const msg = `${socket} handshake with ${d.endpoint} failed (${reason}): ${d.error.message}`;
    if (FATAL_HANDSHAKE.has(reason)) sink.fatal(`${msg}. Check the CURVE keys (curve_server_publickey, curve_client_publickey/secretkey) and that ${d.endpoint} is the broker/logger socket this option names.`);
    else sink.warn(msg);
  });
}
