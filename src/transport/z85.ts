// Z85 (ZeroMQ RFC 32): 4 bytes -> 5 printable characters, big-endian base 85. CURVE keys are
// 32 bytes, so 40 characters; this is the text form Zeek's curve_* options and zmq_curve_keypair use.
import { ConfigError } from "../errors.js";

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

/** Encodes `data` (length a multiple of 4) as Z85. */
export function z85Encode(data: Uint8Array): string {
  if (data.length % 4 !== 0) throw new RangeError(`Z85 encodes whole 4-byte groups; got ${data.length} bytes`);
  let out = "";
  for (let i = 0; i < data.length; i += 4) {
    let v = ((data[i]! << 24) >>> 0) + (data[i + 1]! << 16) + (data[i + 2]! << 8) + data[i + 3]!;
    const group = new Array<string>(5);
    for (let k = 4; k >= 0; k--) {
      group[k] = ALPHABET[v % 85]!;
      v = Math.floor(v / 85);
    }
    out += group.join("");
  }
  return out;
}

/**
 * Decodes Z85 text (length a multiple of 5). Throws ConfigError naming `option` for a wrong
 * length, a character outside the alphabet, or a group above 2^32-1 (libzmq refuses those too).
 */
export function z85Decode(text: string, option = "z85"): Buffer {
  if (text.length % 5 !== 0) throw new ConfigError(option, `Z85 text must be a multiple of 5 characters long, got ${text.length}`);
  const out = Buffer.allocUnsafe((text.length / 5) * 4);
  for (let i = 0, o = 0; i < text.length; i += 5, o += 4) {
    let v = 0;
    for (let k = 0; k < 5; k++) {
      const c = text.charCodeAt(i + k);
      const d = c < 128 ? VALUE[c]! : -1;
      if (d < 0) throw new ConfigError(option, `character ${JSON.stringify(text[i + k])} at position ${i + k} is not Z85`);
      v = v * 85 + d;
    }
    if (v > 0xffffffff) throw new ConfigError(option, `Z85 group at position ${i} exceeds 32 bits`);
    out.writeUInt32BE(v, o);
  }
  return out;
}

/** A 32-byte CURVE key from Z85 text (40 characters) or raw bytes; ConfigError otherwise. */
export function curveKey(key: string | Uint8Array, option: string): Buffer {
  if (typeof key === "string") {
    if (key.length !== 40) throw new ConfigError(option, `a CURVE key in Z85 is exactly 40 characters, got ${key.length}`);
    return z85Decode(key, option);
  }
  if (key.length !== 32) throw new ConfigError(option, `a CURVE key is 32 bytes, got ${key.length}`);
  return Buffer.from(key);
}
