// Socket types and which peers each accepts (libzmq `check_socket_type`, wire.md §1.4).
export type SocketType = "PUB" | "SUB" | "XPUB" | "XSUB" | "PUSH" | "PULL";

const COMPATIBLE: Record<SocketType, readonly SocketType[]> = {
  PUB: ["SUB", "XSUB"],
  XPUB: ["SUB", "XSUB"],
  SUB: ["PUB", "XPUB"],
  XSUB: ["PUB", "XPUB"],
  PUSH: ["PULL"],
  PULL: ["PUSH"],
};

export function compatibleTypes(type: SocketType): readonly SocketType[] {
  return COMPATIBLE[type];
}
