// The TS broker (src/cluster/broker.ts) as a real process for the tests (inert unless started
// with --cluster-broker). Binds 127.0.0.1 port 0 and prints {"e":"broker","xsub","xpub"}; runs
// until killed or until stdin sends {"cmd":"exit"}.
import { createInterface } from "node:readline";
import { Broker } from "../../../src/cluster/broker.js";

async function main(): Promise<void> {
  const broker = new Broker({ listenXsubEndpoint: "tcp://127.0.0.1:0", listenXpubEndpoint: "tcp://127.0.0.1:0" });
  const ep = await broker.start();
  process.stdout.write(JSON.stringify({ e: "broker", xsub: ep.xsub, xpub: ep.xpub }) + "\n");
  for await (const text of createInterface({ input: process.stdin })) if ((JSON.parse(text) as { cmd: string }).cmd === "exit") break;
  await broker.close();
}

if (process.argv[2] === "--cluster-broker")
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`broker-proc: ${(e as Error).stack}\n`);
      process.exit(1);
    },
  );
