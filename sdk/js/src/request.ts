// Request proofs (X-Smartlayer-Signature): every call under a grant is
// signed by the integration key the grant names, so a grant is useless to
// anyone else; an owner signs their own calls the same way. After one
// signed call a node has let through, the two sides share a session key
// (ECDH of the caller's key and the node's, whose public key is in its
// peer ID) and later calls to that node carry an HMAC instead of a
// signature (docs/attestations.md, "Request signatures and sessions").
import { SigningKey, computeHmac, concat, getBytes, hexlify, keccak256, randomBytes, computeAddress } from "ethers";
import { utf8 } from "./json.js";
import { publicKeyOfPeer } from "./peer.js";

/** What a proof covers. */
export interface RequestParts {
  method: string;
  path: string; // with the query string, as sent
  body: Uint8Array;
  key?: string; // an action's Idempotency-Key
}

/** requestDigest is the digest a request proof signs or MACs. */
export function requestDigest(r: RequestParts, tMs: number, nonce: Uint8Array): string {
  const t = new Uint8Array(8);
  new DataView(t.buffer).setBigUint64(0, BigInt(tMs));
  return keccak256(
    concat([utf8("smartlayer/request/v1\n"), utf8(r.method), Uint8Array.of(0), utf8(r.path), Uint8Array.of(0), keccak256(r.body), t, nonce, utf8(r.key ?? "")]),
  );
}

const hex = (b: Uint8Array | string) => hexlify(b).slice(2);

/** signRequest makes the proof header of a request signed by key. */
export function signRequest(key: SigningKey, r: RequestParts, nowMs: number = Date.now(), nonce: Uint8Array = randomBytes(16)): string {
  const sig = key.sign(requestDigest(r, nowMs, nonce));
  // r ‖ s ‖ v with v as 0 or 1, as the nodes read it.
  return `t=${nowMs};n=${hex(nonce)};s=${hex(sig.r)}${hex(sig.s)}${sig.yParity === 1 ? "01" : "00"}`;
}

/** sessionKey derives the key a caller shares with the node of a peer ID. */
export function sessionKey(key: SigningKey, nodePeer: string): Uint8Array {
  const point = getBytes(key.computeSharedSecret(publicKeyOfPeer(nodePeer)));
  // The shared point's x coordinate, as the nodes take it.
  return getBytes(keccak256(concat([utf8("smartlayer/session/v1"), point.subarray(1, 33)])));
}

/** macRequest makes the proof header of a request within a session. */
export function macRequest(session: Uint8Array, caller: string, r: RequestParts, nowMs: number = Date.now(), nonce: Uint8Array = randomBytes(16)): string {
  const m = computeHmac("sha256", session, requestDigest(r, nowMs, nonce));
  return `t=${nowMs};n=${hex(nonce)};a=${hex(caller).toLowerCase()};m=${hex(m)}`;
}

/** addressOfKey is a signing key's address. */
export function addressOfKey(key: SigningKey): string {
  return computeAddress(key.publicKey);
}
