// Execution receipts: a service node's signature, alone or over a Merkle
// batch, binding an answer to the call, the script, the states and the
// transcript it came from (the Go package receipt; docs/api.md).
import { concat, getAddress, getBytes, keccak256, recoverAddress, toBeArray, zeroPadValue } from "ethers";
import { canonicalJSON, utf8 } from "./json.js";

/** A receipt as nodes send it (base64url of this JSON in X-Smartlayer-Receipt). */
export interface Receipt {
  instance: string;
  function: string;
  request: string;
  output: string;
  scriptHash: string;
  stateBefore: string;
  stateRoot: string;
  transcriptRoot: string;
  fencing: number;
  node: string;
  /** When the execution ran (Unix ms); the node keeps it for the network's transcript retention. */
  atMs?: number;
  index?: number;
  proof?: string[];
  root: string;
  signature: string;
  quote?: string;
  attester: string;
}

/** ReceiptError marks an answer whose receipt does not check out. */
export class ReceiptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReceiptError";
  }
}

/** Receipt headers longer than this are refused before decoding (as the Go client does). */
export const maxReceiptHeader = 16 << 10;

function lenPrefixed(s: string): Uint8Array {
  const b = utf8(s);
  const out = new Uint8Array(4 + b.length);
  new DataView(out.buffer).setUint32(0, b.length);
  out.set(b, 4);
  return out;
}

function shortPrefixed(s: string): Uint8Array {
  const b = utf8(s);
  if (b.length > 255) throw new ReceiptError("receipt field over 255 bytes");
  return getBytes(concat([Uint8Array.of(b.length), b]));
}

/** requestHash is what a receipt says was asked (an empty body counts as {}). */
export function requestHash(fn: string, instance: string, key: string, args: Uint8Array): string {
  const a = args.length === 0 ? utf8("{}") : args;
  return keccak256(concat([utf8("smartlayer/request/v1"), lenPrefixed(fn), lenPrefixed(instance.toLowerCase()), lenPrefixed(key), canonicalJSON(a)]));
}

/** outputHash is what a receipt says was answered. */
export function outputHash(out: Uint8Array): string {
  return keccak256(concat([utf8("smartlayer/output/v1"), canonicalJSON(out)]));
}

function hash32(v: unknown, what: string): Uint8Array {
  if (typeof v !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(v)) throw new ReceiptError(`malformed receipt: ${what}`);
  return getBytes(v);
}

function u64(n: unknown, what: string): Uint8Array {
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) throw new ReceiptError(`malformed receipt: ${what}`);
  return getBytes(zeroPadValue(toBeArray(BigInt(n)), 8));
}

/** receiptLeaf is the receipt's Merkle leaf (also how a transcript is asked for): v3 with its time, v2 without. */
export function receiptLeaf(r: Receipt): string {
  const at = r.atMs ?? 0;
  return keccak256(
    concat([
      utf8(at !== 0 ? "smartlayer/receipt/v3" : "smartlayer/receipt/v2"),
      shortPrefixed(r.instance),
      shortPrefixed(r.function),
      hash32(r.request, "request"),
      hash32(r.output, "output"),
      hash32(r.scriptHash, "scriptHash"),
      hash32(r.stateBefore, "stateBefore"),
      hash32(r.stateRoot, "stateRoot"),
      hash32(r.transcriptRoot, "transcriptRoot"),
      u64(r.fencing, "fencing"),
      getBytes(getAddress(r.node)),
      at !== 0 ? u64(at, "atMs") : new Uint8Array(0),
    ]),
  );
}

/** A receipt's time may differ from this clock by at most this (receipt.MaxSkew in Go). */
export const maxReceiptSkewMs = 5 * 60 * 1000;

/** checkFresh checks that the receipt is dated within maxReceiptSkewMs of now: a node cannot date an answer back past the time it must keep the execution. */
export function checkFresh(r: Receipt, nowMs: number): void {
  const at = r.atMs;
  if (typeof at !== "number" || !Number.isSafeInteger(at) || at <= 0 || Math.abs(at - nowMs) > maxReceiptSkewMs) {
    throw new ReceiptError(`the receipt is dated ${at === undefined ? "never" : new Date(Number(at)).toISOString()}, over ${maxReceiptSkewMs / 60000} minutes from this clock`);
  }
}

function pair(a: string, b: string): string {
  return keccak256(concat([Uint8Array.of(1), getBytes(a), getBytes(b)]));
}

function rootDigest(root: string): string {
  return keccak256(concat([utf8("smartlayer/receipt-root/v1"), getBytes(root)]));
}

/** verifyReceipt checks that the receipt is signed by node (an address), directly or through its batch proof. */
export function verifyReceipt(r: Receipt, node: string): void {
  let want: string;
  try {
    want = getAddress(node);
    if (getAddress(r.node) !== want) throw new ReceiptError(`receipt names ${r.node}, the answering node is ${want}`);
  } catch (e) {
    if (e instanceof ReceiptError) throw e;
    throw new ReceiptError("malformed receipt: node");
  }
  let h = receiptLeaf(r);
  let idx = r.index ?? 0;
  if (!Number.isSafeInteger(idx) || idx < 0) throw new ReceiptError("malformed receipt: index");
  const proof = r.proof ?? [];
  if (!Array.isArray(proof) || proof.length > 64) throw new ReceiptError("malformed receipt: proof");
  for (const p of proof) {
    hash32(p, "proof");
    h = idx % 2 === 0 ? pair(h, p) : pair(p, h);
    idx = Math.floor(idx / 2);
  }
  hash32(r.root, "root");
  if (h !== r.root.toLowerCase()) throw new ReceiptError("receipt proof does not lead to the signed root");
  let signer: string;
  try {
    signer = recoverAddress(rootDigest(r.root), r.signature);
  } catch {
    throw new ReceiptError("receipt signature does not recover");
  }
  if (signer !== want) throw new ReceiptError("receipt not signed by the node");
}

/** bindsCall checks that the receipt vouches for this call and these answer bytes. */
export function bindsCall(r: Receipt, fn: string, instance: string, key: string, sent: Uint8Array, output: Uint8Array): void {
  if (typeof r.instance !== "string" || r.instance.toLowerCase() !== instance.toLowerCase() || r.function !== fn) {
    throw new ReceiptError(`receipt for ${r.instance} ${r.function}, asked ${instance} ${fn}`);
  }
  if (r.request?.toLowerCase() !== requestHash(fn, instance, key, sent)) throw new ReceiptError("the request the receipt names is not the one sent");
  if (r.output?.toLowerCase() !== outputHash(output)) throw new ReceiptError("the answer's bytes are not the ones the receipt names");
}

function base64urlDecode(s: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) throw new ReceiptError("malformed receipt: not base64url");
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** parseReceiptHeader reads X-Smartlayer-Receipt. */
export function parseReceiptHeader(header: string | null): Receipt {
  if (!header) throw new ReceiptError("the answer has no receipt");
  if (header.length > maxReceiptHeader) throw new ReceiptError(`a ${header.length}-byte receipt header, limit ${maxReceiptHeader}`);
  try {
    return JSON.parse(new TextDecoder().decode(base64urlDecode(header))) as Receipt;
  } catch (e) {
    if (e instanceof ReceiptError) throw e;
    throw new ReceiptError("malformed receipt: not JSON");
  }
}

/**
 * checkAnswer reads an answer's receipt header and checks that the node at
 * address answerer signed it for this call (function, instance, key and the
 * body sent) and for these output bytes, and a query's that it is dated
 * within maxReceiptSkewMs of nowMs (the client's clock, set by its anchors').
 */
export function checkAnswer(
  header: string | null,
  answerer: string,
  fn: string,
  instance: string,
  key: string,
  sent: Uint8Array,
  output: Uint8Array,
  nowMs: number = Date.now(),
): Receipt {
  const r = parseReceiptHeader(header);
  bindsCall(r, fn, instance, key, sent, output);
  verifyReceipt(r, answerer);
  // A query's receipt must be of now; an action's may be its first run's, repeated for its key, but dated.
  if (fn.startsWith("query:")) checkFresh(r, nowMs);
  else if (typeof r.atMs !== "number" || !Number.isSafeInteger(r.atMs) || r.atMs <= 0) throw new ReceiptError("an undated receipt");
  return r;
}
