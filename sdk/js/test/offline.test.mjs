// Offline tests of the SDK's checks against attestations others signed
// (the eas-sdk, AlphaWallet's test vectors) and ones the Go nodes' code
// signed (attest/testdata/eas-sdk/ours.json), and of forged input.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { Wallet, SigningKey, keccak256, toUtf8Bytes } from "ethers";
import * as sl from "../dist/index.js";

const td = new URL("../../../attest/testdata/", import.meta.url);
const read = (p) => JSON.parse(readFileSync(new URL(p, td), "utf8"));

test("verifies the real attestations in the shared test data, in package and compact form", () => {
  const files = readdirSync(td).filter((f) => f.endsWith(".json"));
  assert.ok(files.length >= 8);
  for (const f of files) {
    const d = read(f);
    const a = sl.verifyAttestation(d.package);
    assert.equal(a.signer, d.package.signer ?? a.signer, f);
    assert.equal(a.uid, d.package.sig.uid.toLowerCase(), f);
    const c = sl.verifyAttestation(d.compact);
    assert.equal(c.uid, a.uid, f);
    assert.equal(c.signer, a.signer, f);
  }
});

test("verifies every eas-sdk vector and every attestation the Go code signed", () => {
  const { vectors } = read("eas-sdk/eas-sdk-vectors.json");
  assert.ok(vectors.length >= 15);
  for (const v of vectors) {
    const a = sl.verifyAttestation(v.package);
    assert.equal(a.signer, new Wallet(v.key).address, v.id);
    assert.equal(a.message.schema, v.schemaUID.toLowerCase(), v.id);
    assert.equal(sl.schemaUID(v.schema, v.revocable), v.schemaUID.toLowerCase(), v.id);
  }
  const ours = read("eas-sdk/ours.json");
  const list = ours.attestations ?? ours.vectors ?? ours;
  assert.ok(list.length >= 10);
  for (const v of list) sl.verifyAttestation(v.package ?? v);
});

test("refuses a forged or altered attestation", () => {
  const d = read("eas-sdk_offchain-utils_v2_hardhat.json");
  const alter = (f) => {
    const p = structuredClone(d.package);
    f(p);
    return p;
  };
  const bad = [
    alter((p) => (p.sig.message.data = p.sig.message.data.slice(0, -2) + (p.sig.message.data.endsWith("00") ? "01" : "00"))),
    alter((p) => (p.sig.message.time = Number(p.sig.message.time) + 1)),
    alter((p) => (p.signer = "0x000000000000000000000000000000000000dEaD")),
    alter((p) => (p.sig.uid = keccak256(toUtf8Bytes("another")))),
    alter((p) => (p.sig.domain.chainId = 1)),
    alter((p) => (p.sig.signature.s = "0x" + "7".repeat(64))),
  ];
  for (const [i, p] of bad.entries()) assert.throws(() => sl.verifyAttestation(p), sl.AttestationError, `case ${i}`);
  // Signed as another struct, or a struct with other fields.
  const d2 = read("eas-sdk_offchain-utils_v2_hardhat.json");
  const foo = structuredClone(d2.package);
  foo.sig.types = { Foo: foo.sig.types.Attest };
  foo.sig.primaryType = "Foo";
  assert.throws(() => sl.verifyAttestation(foo), /not an EAS attestation/);
  const fewer = structuredClone(d2.package);
  fewer.sig.types.Attest = fewer.sig.types.Attest.slice(0, -1);
  assert.throws(() => sl.verifyAttestation(fewer), /want/);
  // Pinned to another network's domain.
  assert.throws(() => sl.verifyAttestation(d.package, { chainId: 1 }), /chain/);
  assert.throws(() => sl.verifyAttestation("{".repeat(70000)), /bytes/);
});

test("a grant signed here reads back, names the session key, and is refused once altered", async () => {
  const owner = Wallet.createRandom();
  const session = SigningKey.computePublicKey(Wallet.createRandom().signingKey.publicKey, true);
  const integration = new Wallet(Wallet.createRandom().privateKey).address;
  const instance = keccak256(toUtf8Bytes("ticket"));
  const domain = { chainId: 31337, verifyingContract: "0x6f2E42BB4176e9A7352a8bF8886255Be9F3D2d13" };
  const g = await sl.signGrant(owner, domain, { instance, integration, scopes: ["query:status", "read:state"], notAfter: 2_000_000_000 });
  const r = sl.readGrant(g, { chainId: 31337, contract: domain.verifyingContract });
  assert.equal(r.owner, owner.address);
  assert.equal(r.integration, integration);
  assert.deepEqual(r.scopes, ["query:status", "read:state"]);
  assert.equal(r.notAfter, 2_000_000_000);
  assert.equal(r.instance, instance);
  assert.ok(session);
  const forged = structuredClone(g);
  forged.sig.message.data = sl.encodeGrant({ instance, integration, scopes: ["*"], notAfter: 2_000_000_000 });
  assert.throws(() => sl.readGrant(forged), sl.AttestationError);
});

test("an EIP-1193 wallet signs the same grant an ethers signer does", async () => {
  const owner = Wallet.createRandom();
  const calls = [];
  const provider = {
    async request({ method, params }) {
      calls.push(method);
      if (method === "eth_requestAccounts") return [owner.address];
      if (method === "eth_signTypedData_v4") {
        const { domain, types, message } = JSON.parse(params[1]);
        delete types.EIP712Domain;
        return owner.signTypedData(domain, types, message);
      }
      throw new Error(method);
    },
  };
  const domain = { chainId: 31337, verifyingContract: "0x6f2E42BB4176e9A7352a8bF8886255Be9F3D2d13" };
  const g = await sl.signGrant(sl.eip1193Signer(provider), domain, {
    instance: keccak256(toUtf8Bytes("t")), integration: owner.address, scopes: ["*"], notAfter: new Date(Date.now() + 3600_000),
  });
  assert.deepEqual(calls, ["eth_requestAccounts", "eth_signTypedData_v4"]);
  assert.equal(sl.readGrant(g).owner, owner.address);
});

test("canonical JSON matches the nodes' form and rawMember gives exact bytes", () => {
  const enc = (s) => new TextEncoder().encode(s);
  const dec = (b) => new TextDecoder().decode(b);
  assert.equal(dec(sl.canonicalJSON(enc(' { "a" : "<b>&\u2028", "n": 1.50 } '))), '{"a":"\\u003cb\\u003e\\u0026\\u2028","n":1.50}');
  assert.equal(dec(sl.canonicalJSON(enc("not json"))), "not json");
  const body = enc('{"x":{"y":[1,"}"]},"result": {"a" : 1} ,"z":2}');
  assert.equal(dec(sl.rawMember(body, "result")), '{"a" : 1}');
  assert.equal(dec(sl.rawMember(body, "z")), "2");
  assert.equal(sl.rawMember(body, "none"), undefined);
  // A member named twice: JSON.parse keeps the last, a hash might cover
  // the first; refused.
  assert.throws(() => sl.rawMember(enc('{"result":1,"result":2}'), "result"), /twice/);
  assert.throws(() => sl.rawMember(enc('{"result":1,"\\u0072esult":2}'), "result"), /twice/);
});

test("peer IDs give the node's address; request proofs have the nodes' form", () => {
  // A secp256k1 libp2p peer ID and the address it holds, as Go's
  // nodekey.AddressOfPeer reads them (a public test key).
  assert.equal(sl.addressOfPeer("16Uiu2HAkzh4QdxB7ijzVnwd6JFNNe4bcr1JBwYUypXe3pX5BRpqK"), "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23");
  assert.throws(() => sl.addressOfPeer("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N"), /secp256k1/);
  assert.throws(() => sl.addressOfPeer("not a peer"), /peer ID/);
  const key = new SigningKey(keccak256(toUtf8Bytes("test key: holds nothing")));
  const h = sl.signRequest(key, { method: "POST", path: "/v1/tokens/0x01/query/status", body: new Uint8Array() }, 1700000000000, new Uint8Array(16));
  assert.match(h, /^t=1700000000000;n=0{32};s=[0-9a-f]{130}$/);
  assert.ok(h.endsWith("00") || h.endsWith("01"));
});

test("a grant book lists the grants an owner signed and marks revocations", async () => {
  const owner = Wallet.createRandom();
  const domain = { chainId: 31337, verifyingContract: "0x6f2E42BB4176e9A7352a8bF8886255Be9F3D2d13" };
  const instance = keccak256(toUtf8Bytes("ticket"));
  const book = new sl.GrantBook();
  const a = book.add(await sl.signGrant(owner, domain, { instance, integration: owner.address, scopes: ["query:status"], notAfter: Math.floor(Date.now() / 1000) + 3600 }));
  const b = book.add(await sl.signGrant(owner, domain, { instance, integration: owner.address, scopes: ["*"], notAfter: Math.floor(Date.now() / 1000) + 7200 }));
  book.add(await sl.signGrant(owner, domain, { instance: keccak256(toUtf8Bytes("other")), integration: owner.address, scopes: ["*"], notAfter: 2_000_000_000 }));
  assert.deepEqual(book.list({ instance }).map((g) => g.uid), [b.uid, a.uid]);
  book.markRevoked(b.uid);
  assert.deepEqual(book.list({ instance }).map((g) => [g.uid, !!g.revoked]), [[a.uid, false], [b.uid, true]]);
  const forged = structuredClone(a.attestation);
  forged.sig.message.data = sl.encodeGrant({ instance, integration: owner.address, scopes: ["*"], notAfter: 2_000_000_000 });
  assert.throws(() => book.add(forged), sl.AttestationError);
  assert.equal(book.list().length, 3);
});

test("a hostile event stream is cut at the bound: one endless line, or an event of endless empty lines", async () => {
  const stream = (chunk, times) => {
    let n = 0;
    return new ReadableStream({
      pull(ctl) {
        if (n++ >= times) return ctl.close();
        ctl.enqueue(new TextEncoder().encode(chunk));
      },
    });
  };
  const events = [];
  await assert.rejects(sl.readEvents(stream("x".repeat(64 << 10), 64), (e) => events.push(e)), /line over/);
  await assert.rejects(sl.readEvents(stream("data\n".repeat(64 << 10), 16), (e) => events.push(e)), /event over/);
  assert.equal(events.length, 0);
  // Within the bounds, events in many chunks and one chunk of many events.
  await sl.readEvents(stream("id: 1\nevent: a\ndata: {}\n\n".repeat(20000), 2), (e) => events.push(e));
  assert.equal(events.length, 40000);
});

test("a query's receipt must be dated near the client's clock (its anchors'), an action's must be dated", () => {
  const node = Wallet.createRandom();
  const instance = "0x" + "01".repeat(32);
  const enc = (s) => new TextEncoder().encode(s);
  const sent = enc("{}");
  const out = enc('{"ok":true}');
  const sign = (fn, atMs) => {
    const rc = {
      instance, function: fn, request: sl.requestHash(fn, instance, "", sent), output: sl.outputHash(out),
      scriptHash: "0x" + "11".repeat(32), stateBefore: "0x" + "22".repeat(32), stateRoot: "0x" + "33".repeat(32),
      transcriptRoot: "0x" + "44".repeat(32), fencing: 1, node: node.address, root: "", signature: "", attester: "software",
    };
    if (atMs !== undefined) rc.atMs = atMs;
    rc.root = sl.receiptLeaf(rc);
    rc.signature = node.signingKey.sign(keccak256(new Uint8Array([...toUtf8Bytes("smartlayer/receipt-root/v1"), ...Buffer.from(rc.root.slice(2), "hex")]))).serialized;
    return Buffer.from(JSON.stringify(rc)).toString("base64url");
  };
  const now = 1_800_000_000_000;
  const check = (hdr, fn, nowMs) => sl.checkAnswer(hdr, node.address, fn, instance, "", sent, out, nowMs);
  assert.equal(check(sign("query:q", now - 60_000), "query:q", now).atMs, now - 60_000);
  // The device's clock is an hour off; its anchors' clock says now.
  assert.ok(check(sign("query:q", now), "query:q", now));
  assert.throws(() => check(sign("query:q", now - 6 * 60_000), "query:q", now), sl.ReceiptError); // backdated
  assert.throws(() => check(sign("query:q", now + 6 * 60_000), "query:q", now), sl.ReceiptError);
  assert.throws(() => check(sign("query:q"), "query:q", now), sl.ReceiptError); // undated
  // An action's may be its first run's, answered again for its key, but dated.
  assert.ok(check(sign("action:a", now - 3_600_000), "action:a", now));
  assert.throws(() => check(sign("action:a"), "action:a", now), sl.ReceiptError);
  // The time is signed: changing it breaks the signature.
  const rc = JSON.parse(Buffer.from(sign("query:q", now), "base64url").toString());
  rc.atMs = now - 1;
  assert.throws(() => check(Buffer.from(JSON.stringify(rc)).toString("base64url"), "query:q", now), sl.ReceiptError);
});
