// Off-chain EAS attestations as the network signs and reads them
// (docs/attestations.md), the network's schemas, and the publisher-signed
// log entries that carry attestations through the network.
import {
  AbiCoder,
  Signature,
  TypedDataEncoder,
  ZeroAddress,
  ZeroHash,
  concat,
  getAddress,
  getBytes,
  hexlify,
  keccak256,
  randomBytes,
  recoverAddress,
  solidityPacked,
  verifyTypedData,
  zeroPadValue,
  toBeArray,
} from "ethers";
import { utf8 } from "./json.js";

/** AttestationError marks an attestation or log entry that does not verify. */
export class AttestationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AttestationError";
  }
}

/** schemaUID is EAS's schema UID: keccak256(schema, resolver, revocable), packed. */
export function schemaUID(schema: string, revocable: boolean, resolver: string = ZeroAddress): string {
  return keccak256(solidityPacked(["string", "address", "bool"], [schema, resolver, revocable]));
}

/** The network's schemas this SDK signs or reads (the Go package attest's). */
export const schemas = {
  grant: { text: "bytes32 instance,address integration,string[] scopes,uint64 notAfter", revocable: true },
  revocation: { text: "bytes32 uid", revocable: false },
  flightStatus: { text: "string flight,string date,uint32 delayMinutes,string status", revocable: true },
  actionResult: {
    text: "bytes32 instance,string action,string idempotencyKey,uint64 fencing,bytes32 transcriptRoot,string patch,string result,string record",
    revocable: false,
  },
  failure: { text: "bytes32 instance,string action,string request,bytes32 requestHash,string errorClass,uint16 attempts", revocable: false },
} as const;

export type SchemaName = keyof typeof schemas;

/** uidOf returns a network schema's UID. */
export function uidOf(name: SchemaName): string {
  return schemaUID(schemas[name].text, schemas[name].revocable);
}

/** The EIP-712 domain of the EAS contract a network signs for. */
export interface EASDomain {
  name?: string;
  version?: string;
  chainId: number | bigint;
  verifyingContract: string;
}

/** The EAS contract version the network signs for. */
export const signVersion = "1.3.0";
const knownVersions = new Set(["0.26", "1.0.0", "1.0.1", "1.0.2", "1.1.0", "1.2.0", "1.3.0", "1.4.0"]);

/** networkDomain is the domain the network signs attestations for. */
export function networkDomain(chainId: number | bigint, contract: string) {
  return { name: "EAS Attestation", version: signVersion, chainId: BigInt(chainId), verifyingContract: getAddress(contract) };
}

/** An off-chain attestation's message (version 2 has salt; version 0 has no version field). */
export interface AttestationMessage {
  version: number;
  schema: string;
  recipient: string;
  time: bigint;
  expirationTime: bigint;
  revocable: boolean;
  refUID: string;
  data: string;
  salt?: string;
}

/** A verified attestation. */
export interface Attestation {
  uid: string;
  signer: string;
  domain: { name: string; version: string; chainId: bigint; verifyingContract: string };
  message: AttestationMessage;
}

const v0Fields = [
  { name: "schema", type: "bytes32" },
  { name: "recipient", type: "address" },
  { name: "time", type: "uint64" },
  { name: "expirationTime", type: "uint64" },
  { name: "revocable", type: "bool" },
  { name: "refUID", type: "bytes32" },
  { name: "data", type: "bytes" },
];

function fieldsOf(version: number) {
  if (version === 0) return v0Fields;
  const f = [{ name: "version", type: "uint16" }, ...v0Fields];
  return version === 2 ? [...f, { name: "salt", type: "bytes32" }] : f;
}

function typedValue(m: AttestationMessage): Record<string, unknown> {
  const v: Record<string, unknown> = {
    schema: m.schema,
    recipient: m.recipient,
    time: m.time,
    expirationTime: m.expirationTime,
    revocable: m.revocable,
    refUID: m.refUID,
    data: m.data,
  };
  if (m.version >= 1) v.version = m.version;
  if (m.version === 2) v.salt = m.salt;
  return v;
}

/** offchainUID is the UID of an off-chain attestation as the eas-sdk computes it. */
export function offchainUID(m: AttestationMessage): string {
  const types: string[] = [];
  const values: unknown[] = [];
  if (m.version >= 1) {
    types.push("uint16");
    values.push(m.version);
  }
  types.push("bytes", "address", "address", "uint64", "uint64", "bool", "bytes32", "bytes");
  values.push(utf8(m.schema.toLowerCase()), m.recipient, ZeroAddress, m.time, m.expirationTime, m.revocable, m.refUID, m.data);
  if (m.version === 2) {
    types.push("bytes32");
    values.push(m.salt);
  }
  types.push("uint32");
  values.push(0);
  return keccak256(solidityPacked(types, values));
}

function num(v: unknown, what: string): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === "string" && /^(0x[0-9a-fA-F]{1,64}|[0-9]{1,78})$/.test(v)) return BigInt(v);
  throw new AttestationError(`malformed attestation: ${what}`);
}

function hex32(v: unknown, what: string): string {
  if (v === "0" || v === 0) return ZeroHash;
  if (typeof v !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(v)) throw new AttestationError(`malformed attestation: ${what}`);
  return v.toLowerCase();
}

function addr(v: unknown, what: string): string {
  if (v === "0" || v === 0) return ZeroAddress;
  try {
    return getAddress(v as string);
  } catch {
    throw new AttestationError(`malformed attestation: ${what}`);
  }
}

interface Parsed {
  domain: Attestation["domain"];
  message: AttestationMessage;
  signature: string;
  uid: string;
  signer?: string;
  /** The struct names the signature may be over, in the order tried. */
  structs: string[];
}

/**
 * structsOf finds the struct that was signed as the nodes do: the one the
 * types name (the primary type, or the only struct there: a legacy quirk
 * signs primaryType "Attestation" over a struct "Attest"), which must be
 * Attest or Attestation with exactly the version's fields; with no types,
 * Attest, and for version 0 also Attestation.
 */
function structsOf(o: Record<string, any>, version: number): string[] {
  const types = o.types;
  if (types === undefined || types === null) return version === 0 ? ["Attest", "Attestation"] : ["Attest"];
  if (typeof types !== "object" || Array.isArray(types)) throw new AttestationError("malformed attestation: types");
  if (Object.keys(types).length === 0) return version === 0 ? ["Attest", "Attestation"] : ["Attest"];
  let name = typeof o.primaryType === "string" && Object.hasOwn(types, o.primaryType) ? o.primaryType : "";
  if (!name) {
    const others = Object.keys(types).filter((k) => k !== "EIP712Domain");
    if (others.length !== 1) throw new AttestationError(`types name several structs and none is the primary type ${JSON.stringify(o.primaryType)}`);
    name = others[0];
  }
  // The nodes sign and check "Attestation" only for version 0 (legacy).
  if (name !== "Attest" && !(name === "Attestation" && version === 0)) throw new AttestationError(`struct ${JSON.stringify(name)} is not an EAS attestation of version ${version}`);
  const fields = types[name];
  if (!Array.isArray(fields) || fields.some((f) => typeof f?.type !== "string" || typeof f?.name !== "string")) throw new AttestationError("malformed attestation: types");
  const got = fields.map((f: { type: string; name: string }) => `${f.type} ${f.name}`).join(",");
  const want = fieldsOf(version).map((f) => `${f.type} ${f.name}`).join(",");
  if (got !== want) throw new AttestationError(`version ${version} struct ${name}(${got}), want (${want})`);
  return [name];
}

function sigOf(v: unknown): string {
  try {
    if (typeof v === "string") return Signature.from(v).serialized;
    const s = v as { r: string; s: string; v: number | string };
    return Signature.from({ r: s.r, s: s.s, v: Number(s.v) }).serialized;
  } catch {
    throw new AttestationError("malformed attestation: signature");
  }
}

function parseSigned(o: Record<string, any>, signer?: string): Parsed {
  const d = o.domain ?? {};
  const m = o.message ?? {};
  const version = m.version === undefined ? Number(o.version ?? 0) : Number(num(m.version, "version"));
  if (![0, 1, 2].includes(version)) throw new AttestationError(`unsupported off-chain attestation version ${version}`);
  return {
    domain: { name: String(d.name ?? ""), version: String(d.version ?? ""), chainId: num(d.chainId, "chainId"), verifyingContract: addr(d.verifyingContract, "verifyingContract") },
    message: {
      version,
      schema: hex32(m.schema, "schema"),
      recipient: addr(m.recipient, "recipient"),
      time: num(m.time, "time"),
      expirationTime: num(m.expirationTime ?? 0, "expirationTime"),
      revocable: Boolean(m.revocable),
      refUID: hex32(m.refUID ?? ZeroHash, "refUID"),
      data: typeof m.data === "string" && /^0x([0-9a-fA-F]{2})*$/.test(m.data) ? m.data.toLowerCase() : (() => { throw new AttestationError("malformed attestation: data"); })(),
      salt: version === 2 ? hex32(m.salt, "salt") : undefined,
    },
    signature: sigOf(o.signature),
    uid: hex32(o.uid, "uid"),
    signer: signer === undefined ? undefined : addr(signer, "signer"),
    structs: structsOf(o, version),
  };
}

function parseCompact(a: unknown[]): Parsed {
  // The eas-sdk's compact form: 0 domain version, 1 chainId, 2 contract,
  // 3 r, 4 s, 5 v, 6 signer, 7 uid, 8 schema, 9 recipient, 10 time,
  // 11 expirationTime, 12 refUID, 13 revocable, 14 data, 15 reserved,
  // 16 version, 17 salt.
  if (a.length < 16 || a.length > 18) throw new AttestationError("malformed attestation: compact form length");
  const version = a[16] === undefined ? 0 : Number(num(a[16], "version"));
  return parseSigned(
    {
      domain: { name: "EAS Attestation", version: a[0], chainId: a[1], verifyingContract: a[2] },
      message: { version, schema: a[8], recipient: a[9], time: a[10], expirationTime: a[11], refUID: a[12], revocable: a[13], data: a[14], salt: a[17] },
      signature: { r: a[3], s: a[4], v: a[5] },
      uid: a[7],
    },
    a[6] as string,
  );
}

/** Limits on what verifyAttestation accepts (bounded before parsing). */
export const maxAttestationBytes = 64 << 10;

/** What an attestation must be signed for: the network's EAS domain, and when given, its schema. */
export interface VerifyOptions {
  chainId?: number | bigint;
  contract?: string;
  schema?: string;
  now?: Date;
}

/**
 * verifyAttestation checks an off-chain attestation in any JSON form the
 * network reads (the eas-sdk package {sig, signer}, the bare signed object,
 * the compact array, or their JSON text): its EIP-712 signature, its UID,
 * the domain (EAS, a known version, the network's chain and contract when
 * given), the schema when given, and that it is not from the future.
 */
export function verifyAttestation(input: unknown, opts: VerifyOptions = {}): Attestation {
  let v = input;
  if (v instanceof Uint8Array) v = new TextDecoder().decode(v);
  if (typeof v === "string") {
    if (v.length > maxAttestationBytes) throw new AttestationError(`attestation over ${maxAttestationBytes} bytes`);
    try {
      v = JSON.parse(v);
    } catch {
      throw new AttestationError("malformed attestation: not JSON");
    }
  }
  let p: Parsed;
  if (Array.isArray(v)) p = parseCompact(v);
  else if (v && typeof v === "object" && "sig" in v) p = parseSigned((v as any).sig, (v as any).signer);
  else if (v && typeof v === "object") p = parseSigned(v as Record<string, any>);
  else throw new AttestationError("malformed attestation");
  const { domain, message } = p;
  if (domain.name !== "EAS Attestation" || !knownVersions.has(domain.version)) throw new AttestationError(`attestation domain ${domain.name} ${domain.version} is not EAS's`);
  if (opts.chainId !== undefined && domain.chainId !== BigInt(opts.chainId)) throw new AttestationError(`attestation for chain ${domain.chainId}, the network is on ${opts.chainId}`);
  if (opts.contract !== undefined && domain.verifyingContract !== getAddress(opts.contract)) throw new AttestationError(`attestation for EAS contract ${domain.verifyingContract}, the network uses ${opts.contract}`);
  if (opts.schema !== undefined && message.schema !== opts.schema.toLowerCase()) throw new AttestationError(`attestation of schema ${message.schema}, wanted ${opts.schema}`);
  const now = BigInt(Math.floor((opts.now ?? new Date()).getTime() / 1000));
  if (message.time > now + 60n) throw new AttestationError("attestation from the future");
  if (offchainUID(message) !== p.uid) throw new AttestationError("attestation UID does not match its message");
  // A version 0 message with no types may have been signed as Attest or
  // Attestation: with a signer named, the one that recovers it counts.
  let signer = "";
  for (const name of p.structs) {
    try {
      signer = verifyTypedData(domain, { [name]: fieldsOf(message.version) }, typedValue(message), p.signature);
    } catch {
      throw new AttestationError("attestation signature does not recover");
    }
    if (p.signer === undefined || p.signer === signer) break;
  }
  if (p.signer !== undefined && p.signer !== signer) throw new AttestationError(`attestation signed by ${signer}, not ${p.signer} as it says`);
  return { uid: p.uid, signer, domain, message };
}

/** decodeData decodes an attestation's data by its schema text ("bytes32 instance,..."). */
export function decodeData(schemaText: string, data: string): Record<string, unknown> {
  const fields = schemaText.split(",").map((f) => f.trim().split(/\s+/));
  const values = AbiCoder.defaultAbiCoder().decode(fields.map((f) => f[0]), data);
  const out: Record<string, unknown> = {};
  fields.forEach((f, i) => (out[f[1]] = values[i] instanceof Object && "toArray" in values[i] ? values[i].toArray() : values[i]));
  return out;
}

/** Something that signs EIP-712 typed data: an ethers Signer, or eip1193Signer(provider). */
export interface TypedDataSigner {
  getAddress(): Promise<string>;
  signTypedData(domain: Record<string, unknown>, types: Record<string, Array<{ name: string; type: string }>>, value: Record<string, unknown>): Promise<string>;
}

/** An EIP-1193 provider: an injected wallet (window.ethereum) or any other. */
export interface EIP1193Provider {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

/**
 * eip1193Signer signs with a wallet through EIP-1193 (eth_signTypedData_v4):
 * the wallet shows the owner what they sign (the grant's integration,
 * scopes and expiry are fields of the attestation's data).
 */
export function eip1193Signer(provider: EIP1193Provider, account?: string): TypedDataSigner {
  let who = account;
  const address = async () => {
    if (!who) {
      const accounts = (await provider.request({ method: "eth_requestAccounts" })) as string[];
      if (!accounts?.length) throw new Error("the wallet gave no account");
      who = getAddress(accounts[0]);
    }
    return who;
  };
  return {
    getAddress: address,
    async signTypedData(domain, types, value) {
      const payload = TypedDataEncoder.getPayload(domain, types, value);
      return (await provider.request({ method: "eth_signTypedData_v4", params: [await address(), JSON.stringify(payload)] })) as string;
    },
  };
}

/** The eas-sdk package form of a signed attestation, which nodes read. */
export interface SignedAttestation {
  sig: {
    domain: { name: string; version: string; chainId: number; verifyingContract: string };
    primaryType: string;
    types: Record<string, Array<{ name: string; type: string }>>;
    message: Record<string, unknown>;
    signature: { r: string; s: string; v: number };
    uid: string;
    version: number;
  };
  signer: string;
}

/** signAttestation signs a version 2 off-chain attestation of a network schema with data already ABI-encoded. */
export async function signAttestation(
  signer: TypedDataSigner,
  domain: { chainId: number | bigint; verifyingContract: string },
  m: { schema: string; recipient?: string; time: number; expirationTime?: number; revocable: boolean; data: string },
): Promise<SignedAttestation> {
  const message: AttestationMessage = {
    version: 2,
    schema: m.schema.toLowerCase(),
    recipient: getAddress(m.recipient ?? ZeroAddress),
    time: BigInt(m.time),
    expirationTime: BigInt(m.expirationTime ?? 0),
    revocable: m.revocable,
    refUID: ZeroHash,
    data: m.data,
    salt: hexlify(randomBytes(32)),
  };
  const d = networkDomain(domain.chainId, domain.verifyingContract);
  const types = { Attest: fieldsOf(2) };
  const sig = Signature.from(await signer.signTypedData(d, types, typedValue(message)));
  const out: SignedAttestation = {
    sig: {
      domain: { name: d.name, version: d.version, chainId: Number(d.chainId), verifyingContract: d.verifyingContract },
      primaryType: "Attest",
      types,
      message: { ...typedValue(message), time: Number(message.time), expirationTime: Number(message.expirationTime) },
      signature: { r: sig.r, s: sig.s, v: sig.v },
      uid: offchainUID(message),
      version: 2,
    },
    signer: await signer.getAddress(),
  };
  // A wallet may sign with another account than it said: check before use.
  const got = verifyAttestation(out);
  if (got.signer !== getAddress(out.signer)) throw new AttestationError("the wallet signed with another account");
  return out;
}

/** Log entries: one attestation in a publisher's stream on a topic. */
export interface Entry {
  topic: string;
  publisher: string;
  seq: number;
  prev: string;
  attestation: unknown;
  signature: string;
}

/**
 * verifyEntry checks a log entry's publisher signature over its exact JSON
 * bytes (raw: the entry as it arrived), and returns the entry.
 */
export function verifyEntry(raw: Uint8Array, rawAttestation: Uint8Array): Entry {
  let e: Entry;
  try {
    e = JSON.parse(new TextDecoder().decode(raw));
  } catch {
    throw new AttestationError("malformed log entry: not JSON");
  }
  const topic = utf8(String(e.topic ?? ""));
  if (topic.length === 0 || topic.length > 256) throw new AttestationError("malformed log entry: topic");
  if (!Number.isSafeInteger(e.seq) || e.seq < 1) throw new AttestationError("malformed log entry: seq");
  const prev = hex32(e.prev, "prev");
  if ((e.seq === 1) !== (prev === ZeroHash)) throw new AttestationError("malformed log entry: seq and prev");
  const publisher = addr(e.publisher, "publisher");
  const h = keccak256(
    concat([utf8("smartlayer/attlog-entry/v1"), Uint8Array.of(topic.length), topic, publisher, zeroPadValue(toBeArray(BigInt(e.seq)), 8), prev, keccak256(rawAttestation)]),
  );
  let who: string;
  try {
    who = recoverAddress(h, e.signature);
  } catch {
    throw new AttestationError("log entry signature does not recover");
  }
  if (who !== publisher) throw new AttestationError(`log entry signed by ${who}, not its publisher ${publisher}`);
  return e;
}

/** The data a grant names. */
export interface GrantTerms {
  instance: string;
  integration: string;
  scopes: string[];
  notAfter: Date | number; // a Date, or Unix seconds
}

/** encodeGrant ABI-encodes a grant's data (schema "grant"). */
export function encodeGrant(t: GrantTerms): string {
  const notAfter = t.notAfter instanceof Date ? Math.floor(t.notAfter.getTime() / 1000) : t.notAfter;
  return AbiCoder.defaultAbiCoder().encode(["bytes32", "address", "string[]", "uint64"], [t.instance, getAddress(t.integration), t.scopes, notAfter]);
}

/** A decoded grant. */
export interface Grant extends GrantTerms {
  uid: string;
  owner: string;
  notAfter: number;
}

/** readGrant verifies a grant attestation and returns its terms. */
export function readGrant(input: unknown, opts: VerifyOptions = {}): Grant {
  const a = verifyAttestation(input, { ...opts, schema: uidOf("grant") });
  const d = decodeData(schemas.grant.text, a.message.data);
  return {
    uid: a.uid,
    owner: a.signer,
    instance: String(d.instance),
    integration: getAddress(String(d.integration)),
    scopes: (d.scopes as string[]).map(String),
    notAfter: Number(d.notAfter),
  };
}

/**
 * signGrant has a token's owner (their wallet, as a TypedDataSigner) grant
 * an integration key scopes of one instance until notAfter, which is also
 * the attestation's expiration time.
 */
export function signGrant(owner: TypedDataSigner, domain: { chainId: number | bigint; verifyingContract: string }, t: GrantTerms, now: Date = new Date()): Promise<SignedAttestation> {
  const notAfter = t.notAfter instanceof Date ? Math.floor(t.notAfter.getTime() / 1000) : t.notAfter;
  return signAttestation(owner, domain, {
    schema: uidOf("grant"),
    recipient: t.integration,
    time: Math.floor(now.getTime() / 1000),
    expirationTime: notAfter,
    revocable: true,
    data: encodeGrant({ ...t, notAfter }),
  });
}

/** signRevocation withdraws an attestation (a grant) its signer made. */
export function signRevocation(signer: TypedDataSigner, domain: { chainId: number | bigint; verifyingContract: string }, uid: string, now: Date = new Date()): Promise<SignedAttestation> {
  return signAttestation(signer, domain, {
    schema: uidOf("revocation"),
    time: Math.floor(now.getTime() / 1000),
    revocable: false,
    data: AbiCoder.defaultAbiCoder().encode(["bytes32"], [uid]),
  });
}

export { getBytes };
