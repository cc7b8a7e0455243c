// The SDK's receipt check per answer (checkAnswer: parse the header, hash
// the request and the answer, walk the batch proof, recover the signer)
// against one raw ecrecover from the same library, in the same run.
// Target (issue 15): at least 0.5x the raw recover rate.
import { Wallet, keccak256, toUtf8Bytes, recoverAddress, concat, getBytes } from "ethers";
import * as sl from "../dist/index.js";

const node = Wallet.createRandom();
const instance = keccak256(toUtf8Bytes("ticket"));
const args = new TextEncoder().encode("{}");
const answer = new TextEncoder().encode(JSON.stringify({ flight: "BA117", date: "2026-12-01", delayMinutes: 190, status: "delayed", lounge: "denied", rebooking: "none" }));
// A receipt in a batch of 8, as a busy node signs them.
const rc = {
  instance, function: "query:status", request: sl.requestHash("query:status", instance, "", args), output: sl.outputHash(answer),
  scriptHash: keccak256("0x01"), stateBefore: keccak256("0x02"), stateRoot: keccak256("0x02"), transcriptRoot: keccak256("0x03"),
  fencing: 7, node: node.address, index: 5, proof: [keccak256("0x04"), keccak256("0x05"), keccak256("0x06")], root: "", signature: "", attester: "software",
};
let h = sl.receiptLeaf(rc);
let idx = rc.index;
for (const p of rc.proof) {
  h = idx % 2 === 0 ? keccak256(concat(["0x01", h, p])) : keccak256(concat(["0x01", p, h]));
  idx >>= 1;
}
rc.root = h;
const digest = keccak256(concat([toUtf8Bytes("smartlayer/receipt-root/v1"), getBytes(h)]));
rc.signature = node.signingKey.sign(digest).serialized;
const header = Buffer.from(JSON.stringify(rc)).toString("base64url");

function rate(fn, ms) {
  for (let i = 0; i < 50; i++) fn(); // warm up
  let n = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    for (let i = 0; i < 20; i++) fn();
    n += 20;
  }
  return (n * 1000) / ms;
}

const ms = Number(process.env.BENCH_MS ?? 3000);
const rounds = 3;
let best = { raw: 0, sdk: 0 };
for (let r = 0; r < rounds; r++) {
  const raw = rate(() => recoverAddress(digest, rc.signature), ms);
  const sdk = rate(() => sl.checkAnswer(header, node.address, "query:status", instance, "", args, answer), ms);
  best = { raw: Math.max(best.raw, raw), sdk: Math.max(best.sdk, sdk) };
}
console.log(`raw ecrecover (ethers):        ${best.raw.toFixed(0)} /s`);
console.log(`SDK receipt check per answer:  ${best.sdk.toFixed(0)} /s`);
console.log(`ratio: ${(best.sdk / best.raw).toFixed(2)}x (target at least 0.5x)`);
