// Public API of the ZMTP 3.1 transport.
export { type Endpoint, parseEndpoint, formatEndpoint } from "./endpoint.js";
export { FrameParser, type FrameSink, encodeCommand, encodeFrame, parseProperties, encodeProperties } from "./frame.js";
export { encodeGreeting, parseGreeting, type PeerGreeting } from "./greeting.js";
export { type Mechanism, type MechanismSession, type HandshakeResult, HandshakeError, NULL_MECHANISM } from "./mechanism.js";
export { type SocketOptions, DEFAULTS as SOCKET_DEFAULTS } from "./options.js";
export type { LimitEvent, LimitReason } from "./limits.js";
export type { FrameLike, Message, MessageLike, OutgoingMessage } from "./pipe.js";
export { PackedMessage } from "./packed.js";
export { ZmtpSocket, SocketClosedError, type SocketEvents } from "./socket.js";
export { type SocketType, compatibleTypes } from "./types.js";
export { XPub, type XPubOptions } from "./xpub.js";
export { XSub } from "./xsub.js";
export { Pub, type PubOptions } from "./pub.js";
export { Sub } from "./sub.js";
export { Push } from "./push.js";
export { Pull } from "./pull.js";
export { type CurveOption, type CurveRoles, curveKeyPair, curveKeysFrom } from "./curve-keys.js";
export { z85Encode, z85Decode } from "./z85.js";
