// Live tests against a devnet: devnet.TestJSSDK starts one and runs these
// with SMARTLAYER_LIVE naming its details. Without it they are skipped.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Wallet, getAddress, keccak256, toUtf8Bytes } from "ethers";
import * as sl from "../dist/index.js";

const live = process.env.SMARTLAYER_LIVE ? JSON.parse(readFileSync(process.env.SMARTLAYER_LIVE, "utf8")) : null;
const skip = live ? false : "no devnet (SMARTLAYER_LIVE unset; devnet.TestJSSDK runs these)";

const until = async (what, cond, ms = 20000) => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

test("a page's session key, granted by the owner's wallet, queries, reads, acts and follows, every answer verified", { skip }, async () => {
  const domain = { chainId: live.chainId, verifyingContract: live.easContract };
  const network = { chainId: live.chainId, contract: live.easContract };
  const owner = new Wallet(live.passengerKey);
  const session = Wallet.createRandom(); // the browser's ephemeral key
  const grant = await sl.signGrant(owner, domain, {
    instance: live.instance,
    integration: session.address,
    scopes: ["query:status", "read:state", "read:history", "action:rebook"],
    notAfter: new Date(Date.now() + 3600_000),
  });
  const sent = []; // [signature header, status] of each call
  const recording = async (url, init) => {
    const res = await fetch(url, init);
    sent.push([init?.headers?.["X-Smartlayer-Signature"] ?? "", res.status]);
    return res;
  };
  const c = new sl.Client({ anchors: live.anchors, key: session.signingKey, grants: { [live.instance]: grant }, network, fetch: recording });

  // The nodes (Go) take the grant and the request signatures made here;
  // the SDK checks the receipt the node signed.
  const q = await c.query(live.instance, "status");
  assert.ok(q.receipt, "a checked receipt");
  assert.equal(q.receipt.function, "query:status");
  assert.equal(typeof q.result, "object");
  // Later calls to a node already called go by a session MAC, which the
  // node takes.
  for (let i = 0; i < 6; i++) assert.ok((await c.query(live.instance, "status")).receipt);
  assert.ok(sent.some(([sig, status]) => /;s=/.test(sig) && status === 200), "a signed call taken");
  assert.ok(sent.some(([sig, status]) => /;m=/.test(sig) && status === 200), "a session MAC taken");

  const st = await c.state(live.instance);
  assert.equal(getAddress(st.owner), owner.address);
  const h = await c.history(live.instance);
  assert.ok(Array.isArray(h.history));

  // An action, run once per key, with its receipt checked.
  const key = "sdk-" + Date.now();
  const a = await c.action(live.instance, "rebook", { hotel: live.hotel }, { key });
  assert.equal(a.outcome.idempotencyKey, key);
  assert.equal(a.receipt.function, "action:rebook");
  const again = await c.action(live.instance, "rebook", { hotel: live.hotel }, { key });
  assert.equal(again.outcome.attestation, a.outcome.attestation);

  // The instance's own result topic, streamed by a replica under the grant:
  // the executor-signed action result arrives verified.
  const resultTopic = sl.uidOf("actionResult") + "/" + live.instance.toLowerCase();
  const results = [];
  const errs = [];
  assert.ok(resultTopic);
  const sub = c.followToken(live.instance, (e) => results.push(e), { from: 0, onError: (e) => errs.push(e) });
  await until("the action's result on the stream", () => results.some((e) => e.attestation.uid === a.outcome.attestation.toLowerCase()));
  sub.close();
  await sub.done;

  // The airline's flight statuses, streamed by an anchor, each entry and
  // attestation verified; new ones arrive live.
  const seen = [];
  const fsub = c.follow(live.flightTopic, (e) => seen.push(e), { from: 0, onError: (e) => errs.push(e) });
  await until("flight statuses", () => seen.length >= 3);
  const n = seen.length;
  await until("a live status", () => seen.length > n);
  fsub.close();
  await fsub.done;
  for (const e of seen) {
    assert.equal(e.attestation.signer, getAddress(live.airline));
    assert.equal(e.attestation.message.schema, sl.uidOf("flightStatus"));
  }
  const seqs = seen.map((e) => e.entry.seq);
  assert.deepEqual(seqs, [...new Set(seqs)].sort((x, y) => x - y), "no entry twice, in order");
  assert.deepEqual(errs, []);
});

test("a tampered answer or a forged receipt is rejected", { skip }, async () => {
  const domain = { chainId: live.chainId, verifyingContract: live.easContract };
  const owner = new Wallet(live.passengerKey);
  const session = Wallet.createRandom();
  const grant = await sl.signGrant(owner, domain, { instance: live.instance, integration: session.address, scopes: ["query:status"], notAfter: new Date(Date.now() + 3600_000) });
  const tamper = (fn) => async (url, init) => {
    const res = await fetch(url, init);
    if (!String(url).includes("/query/")) return res;
    return fn(res);
  };
  const changedBody = tamper(async (res) => {
    const body = JSON.parse(await res.text());
    body.forged = true;
    return new Response(JSON.stringify(body), { status: res.status, headers: res.headers });
  });
  const forgedReceipt = tamper(async (res) => {
    const rc = sl.parseReceiptHeader(res.headers.get("X-Smartlayer-Receipt"));
    // Another key signs the receipt under the node's name.
    const other = Wallet.createRandom();
    rc.proof = [];
    rc.index = 0;
    rc.root = sl.receiptLeaf(rc);
    rc.signature = other.signingKey.sign(keccak256(new Uint8Array([...toUtf8Bytes("smartlayer/receipt-root/v1"), ...Buffer.from(rc.root.slice(2), "hex")]))).serialized;
    const h = new Headers(res.headers);
    h.set("X-Smartlayer-Receipt", Buffer.from(JSON.stringify(rc)).toString("base64url"));
    return new Response(await res.arrayBuffer(), { status: res.status, headers: h });
  });
  for (const f of [changedBody, forgedReceipt]) {
    const c = new sl.Client({ anchors: live.anchors, key: session.signingKey, grants: { [live.instance]: grant }, fetch: f });
    await assert.rejects(c.query(live.instance, "status"), sl.ReceiptError);
  }
  // An action's answer with a second "result" appended: JSON.parse would
  // read the forged one while the receipt covers the first.
  const agrant = await sl.signGrant(owner, domain, { instance: live.instance, integration: session.address, scopes: ["action:rebook"], notAfter: new Date(Date.now() + 3600_000) });
  const appended = async (url, init) => {
    const res = await fetch(url, init);
    if (!String(url).includes("/actions/") || res.status !== 200) return res;
    const text = await res.text();
    return new Response(text.replace(/}\s*$/, ',"result":{"rebooking":"forged"}}'), { status: 200, headers: res.headers });
  };
  const ca = new sl.Client({ anchors: live.anchors, key: session.signingKey, grants: { [live.instance]: agrant }, fetch: appended });
  await assert.rejects(ca.action(live.instance, "rebook", { hotel: live.hotel }, { key: "tamper-" + Date.now() }), /twice/);
});

test("a grant is useless to anyone but its session key, and a revocation reaches every replica", { skip }, async () => {
  const domain = { chainId: live.chainId, verifyingContract: live.easContract };
  const owner = new Wallet(live.passengerKey);
  const session = Wallet.createRandom();
  const grant = await sl.signGrant(owner, domain, { instance: live.instance, integration: session.address, scopes: ["query:status"], notAfter: new Date(Date.now() + 3600_000) });
  const thief = new sl.Client({ anchors: live.anchors, key: Wallet.createRandom().signingKey, grants: { [live.instance]: grant } });
  await assert.rejects(thief.query(live.instance, "status"), (e) => e instanceof sl.ProblemError && e.status === 403 && e.code === "grant-not-holder");
  const none = new sl.Client({ anchors: live.anchors, key: session.signingKey });
  await assert.rejects(none.query(live.instance, "status"), (e) => e instanceof sl.ProblemError && e.status === 401 && e.code === "grant-required");

  const c = new sl.Client({ anchors: live.anchors, key: session.signingKey, grants: { [live.instance]: grant } });
  await c.query(live.instance, "status");
  const uid = sl.readGrant(grant).uid;
  const rev = await sl.signRevocation(owner, domain, uid);
  const r = await c.revoke(live.instance, rev);
  assert.equal(r.revoked.toLowerCase(), uid);
  // Every replica refuses it within seconds.
  const route = await c.route(live.instance);
  for (const rep of route.replicas.filter((x) => x.state === "up")) {
    await until(`the revocation at ${rep.peer}`, async () => {
      const one = new sl.Client({ anchors: live.anchors, key: session.signingKey, grants: { [live.instance]: grant }, fetch: (url, init) => fetch(String(url).replace(/^https?:\/\/[^/]+/, rep.http), init) });
      try {
        await one.query(live.instance, "status");
        return false;
      } catch (e) {
        return e instanceof sl.ProblemError && e.code === "grant-revoked";
      }
    }, 5000);
  }
});

test("a stream cut in the middle resumes at another anchor without losing or repeating an entry", { skip }, async () => {
  let cut = true;
  const nodes = [];
  const breaking = async (url, init) => {
    const res = await fetch(url, init);
    if (!String(url).includes("/stream")) return res;
    nodes.push(new URL(String(url)).host);
    if (!cut) return res;
    cut = false;
    // The first stream breaks after its second chunk.
    const reader = res.body.getReader();
    let n = 0;
    const body = new ReadableStream({
      async pull(ctl) {
        const { done, value } = await reader.read();
        if (done) return ctl.close();
        ctl.enqueue(value);
        if (++n >= 2) {
          await reader.cancel();
          ctl.error(new Error("connection cut by the test"));
        }
      },
    });
    return new Response(body, { status: res.status, headers: res.headers });
  };
  const c = new sl.Client({ anchors: live.anchors, fetch: breaking, network: { chainId: live.chainId, contract: live.easContract } });
  const seen = [];
  const errs = [];
  const sub = c.follow(live.flightTopic, (e) => seen.push(e.entry.seq), { from: 0, signers: [live.airline], onError: (e) => errs.push(String(e)) });
  await until("entries after the cut", () => nodes.length >= 2 && seen.length >= 6);
  sub.close();
  await sub.done;
  assert.ok(errs.some((e) => /cut by the test/.test(e)), `the cut was seen: ${errs}`);
  assert.notEqual(nodes[0], nodes[1], "resumed at another anchor");
  // One publisher on the topic: its sequence numbers, each once, none missing.
  assert.deepEqual(seen, Array.from({ length: seen.length }, (_, i) => seen[0] + i), `delivered ${seen}`);
});
