// Error classes shared by every layer. Each sets `name` and a closed `code` so callers can branch
// without parsing messages; all accept `ErrorOptions.cause`.

/** Base class of every error zeek-zmq throws on purpose. */
export class ZeekZmqError extends Error {
  override name = "ZeekZmqError";
}

/** Codes of {@link DecodeError}: what was wrong with the bytes. */
export type DecodeErrorCode =
  | "truncated" // input ended inside a value
  | "trailing" // bytes left after a complete value
  | "bad-tag" // unknown type tag / flag / enum value
  | "too-large" // a length or count exceeds what the input (or a limit) can hold
  | "too-deep" // nesting beyond the configured depth limit
  | "duplicate" // duplicate set element or table key
  | "invalid"; // any other structural violation (bad envelope, bad UTF-8 where required, ...)

/**
 * Thrown by every decoder for any input it cannot accept. Decoders are total: truncated,
 * oversized or hostile input yields exactly this error, never another exception.
 */
export class DecodeError extends ZeekZmqError {
  override name = "DecodeError";
  constructor(
    /** Which format was being decoded, e.g. "broker-bin-v1". */
    readonly format: string,
    readonly code: DecodeErrorCode,
    /** Byte offset (or character offset for text formats) where decoding failed. */
    readonly offset: number,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`${format}: ${detail} at offset ${offset}`, options);
  }
}

/** A value that cannot be encoded as the declared Zeek type. */
export class EncodeError extends ZeekZmqError {
  override name = "EncodeError";
  constructor(
    /** Dotted path to the offending value, e.g. "args[2].inner.x". */
    readonly path: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`${path}: ${detail}`, options);
  }
}

/** Bad configuration or API arguments: says which option and what to do. */
export class ConfigError extends ZeekZmqError {
  override name = "ConfigError";
  constructor(
    readonly option: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`${option}: ${detail}`, options);
  }
}
