// `zeek-zmq keygen`: a fresh CURVE key pair as two lines, `public=<z85>` and `secret=<z85>`,
// usable for Zeek's curve_* options; with --env, a cluster's two pairs as shell `export` lines
// of Zeek's ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_* variables.
import { CURVE_ENV } from "../cluster/options.js";
import { curveKeyPair } from "../transport/curve-keys.js";
import { parseCommand, runCommand, stderrLine, stdoutLine, type Print } from "./args.js";

export const KEYGEN_USAGE = `usage: zeek-zmq keygen [--env]

Prints a new CURVE key pair (Z85, 40 characters each), as zmq_curve_keypair makes them:
  public=<key>
  secret=<key>
Z85 contains "=": split each line at the first "=".

A cluster needs two pairs: one for the servers (broker, loggers: curve_server_publickey /
curve_server_secretkey) and one shared by every client node (curve_client_publickey /
curve_client_secretkey). Keep the secret keys private.

  --env    print both pairs as shell lines, single-quoted (Z85 contains $ ( & < >):
             export ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_SERVER_PUBLICKEY='<key>'
             ... (SERVER_SECRETKEY, CLIENT_PUBLICKEY, CLIENT_SECRETKEY)
           e.g. zeek-zmq keygen --env > curve.env; . ./curve.env`;

/** A shell word for `s`: single quotes (Z85 has no "'", but quote one safely anyway). */
export function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

export function runKeygen(argv: string[], out: Print = stdoutLine, err: Print = stderrLine): Promise<number> {
  return runCommand("keygen", err, async () => {
    const args = parseCommand(argv, { env: { type: "boolean" } });
    if (args.flag("help")) {
      out(KEYGEN_USAGE);
      return 0;
    }
    if (!args.flag("env")) {
      const kp = curveKeyPair();
      out(`public=${kp.publicKey}`);
      out(`secret=${kp.secretKey}`);
      return 0;
    }
    const server = curveKeyPair();
    const client = curveKeyPair();
    out(`export ${CURVE_ENV.curveServerPublickey}=${shellQuote(server.publicKey)}`);
    out(`export ${CURVE_ENV.curveServerSecretkey}=${shellQuote(server.secretKey)}`);
    out(`export ${CURVE_ENV.curveClientPublickey}=${shellQuote(client.publicKey)}`);
    out(`export ${CURVE_ENV.curveClientSecretkey}=${shellQuote(client.secretKey)}`);
    return 0;
  });
}
