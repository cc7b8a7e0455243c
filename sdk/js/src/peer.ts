// Peer IDs name nodes; a Smart Layer node's peer ID holds its secp256k1
// public key (an identity multihash of the libp2p key protobuf), so the
// address that signs the node's receipts is read from the ID itself.
import { SigningKey, computeAddress, decodeBase58, getBytes, toBeArray } from "ethers";

/** base58btc bytes, leading zero bytes kept. */
function base58Bytes(s: string): Uint8Array {
  let zeros = 0;
  while (zeros < s.length && s[zeros] === "1") zeros++;
  const rest = s.length > zeros ? toBeArray(decodeBase58(s.slice(zeros))) : new Uint8Array(0);
  const out = new Uint8Array(zeros + rest.length);
  out.set(rest, zeros);
  return out;
}

/** publicKeyOfPeer returns the compressed secp256k1 key a peer ID holds (0x-hex), or throws. */
export function publicKeyOfPeer(id: string): string {
  if (typeof id !== "string" || id.length === 0 || id.length > 128) throw new Error(`peer ID ${JSON.stringify(id)}: not a peer ID`);
  let b: Uint8Array;
  try {
    b = base58Bytes(id);
  } catch {
    throw new Error(`peer ID ${id}: not base58`);
  }
  // identity multihash (0x00, length 37) of the key protobuf: field 1 type
  // 2 (secp256k1), field 2 the 33-byte compressed key.
  if (b.length !== 39 || b[0] !== 0x00 || b[1] !== 37 || b[2] !== 0x08 || b[3] !== 0x02 || b[4] !== 0x12 || b[5] !== 33) {
    throw new Error(`peer ID ${id}: not a secp256k1 key in an identity multihash`);
  }
  const key = b.subarray(6);
  // Throws when the bytes are not a point on the curve.
  return SigningKey.computePublicKey(key, true);
}

/** addressOfPeer is the Ethereum address of the key a peer ID holds. */
export function addressOfPeer(id: string): string {
  return computeAddress(publicKeyOfPeer(id));
}

/** compressedKey returns a 0x-hex compressed public key as bytes. */
export function keyBytes(hex: string): Uint8Array {
  return getBytes(hex);
}
