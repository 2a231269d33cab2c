// The fixture capture format: one ZeroMQ message per line,
// {"socket": "xsub" | "xpub" | "pull", "parts": ["<hex>", ...]}.
import { ZeekZmqError } from "../errors.js";

export type CaptureSocket = "xsub" | "xpub" | "pull";

export interface CapturedMessage {
  socket: CaptureSocket;
  parts: Buffer[];
  /** 1-based line number in the capture file. */
  line: number;
}

export class CaptureLineError extends ZeekZmqError {
  override name = "CaptureLineError";
  constructor(
    readonly line: number,
    readonly detail: string,
  ) {
    super(`line ${line}: ${detail}`);
  }
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** Parses one capture line; throws CaptureLineError with the line number on bad input. */
export function parseCaptureLine(text: string, line: number): CapturedMessage {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch {
    throw new CaptureLineError(line, "not a JSON object");
  }
  if (typeof obj !== "object" || obj === null) throw new CaptureLineError(line, "not a JSON object");
  const { socket, parts } = obj as { socket?: unknown; parts?: unknown };
  if (socket !== "xsub" && socket !== "xpub" && socket !== "pull")
    throw new CaptureLineError(line, `"socket" must be "xsub", "xpub" or "pull", got ${JSON.stringify(socket)}`);
  if (!Array.isArray(parts) || parts.length === 0) throw new CaptureLineError(line, `"parts" must be a non-empty array of hex strings`);
  const bufs: Buffer[] = [];
  for (const p of parts) {
    if (typeof p !== "string" || !HEX.test(p)) throw new CaptureLineError(line, `"parts" must be hex strings`);
    bufs.push(Buffer.from(p, "hex"));
  }
  return { socket, parts: bufs, line };
}

/** Parses a whole capture; blank lines are skipped. Bad lines are returned as errors, in order. */
export function* parseCapture(text: string): Generator<CapturedMessage | CaptureLineError> {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!.trim();
    if (!l) continue;
    try {
      yield parseCaptureLine(l, i + 1);
    } catch (e) {
      if (e instanceof CaptureLineError) yield e;
      else throw e;
    }
  }
}
