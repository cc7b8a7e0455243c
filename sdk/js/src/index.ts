// @smartlayer/client: the Smart Layer integration SDK.
export * from "./client.js";
export * from "./receipt.js";
export * from "./attestation.js";
export * from "./request.js";
export * from "./peer.js";
export { canonicalJSON, rawMember } from "./json.js";
export { readEvents, type SSEvent } from "./sse.js";
export type * from "./types.js";
export { newSessionKey, devnetWallet } from "./wallet.js";
export { GrantBook, maxKeptGrants, type GrantStorage, type KeptGrant } from "./grants.js";
