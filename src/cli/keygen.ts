// `zeek-zmq keygen`: a fresh CURVE key pair as two lines, `public=<z85>` and `secret=<z85>`,
// usable for Zeek's curve_* options and ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_* variables.
import { curveKeyPair } from "../transport/curve-keys.js";

export const KEYGEN_USAGE = `usage: zeek-zmq keygen

Prints a new CURVE key pair (Z85, 40 characters each), as zmq_curve_keypair makes them:
  public=<key>
  secret=<key>
A cluster needs two pairs: one for the servers (broker, loggers: curve_server_publickey /
curve_server_secretkey) and one shared by every client node (curve_client_publickey /
curve_client_secretkey). Keep the secret keys private.`;

export function runKeygen(args: readonly string[], out: (s: string) => void, err: (s: string) => void): number {
  if (args.length === 1 && (args[0] === "--help" || args[0] === "-h")) {
    out(KEYGEN_USAGE);
    return 0;
  }
  if (args.length > 0) {
    err(`zeek-zmq keygen: unexpected argument ${JSON.stringify(args[0])}\n\n${KEYGEN_USAGE}`);
    return 2;
  }
  const kp = curveKeyPair();
  out(`public=${kp.publicKey}`);
  out(`secret=${kp.secretKey}`);
  return 0;
}
