// Byte comparisons for the short frames of the hot paths (topics, node ids, format names): a
// loop beats Buffer#equals, whose native call costs more than comparing a few dozen bytes.

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}
