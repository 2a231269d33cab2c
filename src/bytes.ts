// Byte comparisons for the short frames of the hot paths (topics, node ids, format names, event
// envelope heads): a loop beats Buffer#equals, whose native call costs more than comparing a few
// dozen bytes. Shared by every layer, like errors.ts.

/** True if `b` holds `ref` at `pos` (false if it is too short). */
export function bytesAt(b: Uint8Array, pos: number, ref: ArrayLike<number>): boolean {
  const n = ref.length;
  if (pos < 0 || b.length - pos < n) return false;
  for (let i = 0; i < n; i++) if (b[pos + i] !== ref[i]) return false;
  return true;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && bytesAt(a, 0, b);
}
