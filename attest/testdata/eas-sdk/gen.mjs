// Generates EAS off-chain attestation vectors with the real eas-sdk, and
// checks smartlayer's own attestations (ours.json) with the eas-sdk verifier.
//
//   cd attest/testdata/eas-sdk && npm ci && node gen.mjs
//
// Writes eas-sdk-vectors.json and, when ours.json exists (written by
// `go test ./attest -run TestWriteOurs -args -write-ours`), ours-verified.json.
// Every input is fixed (keys, times, salts), so a rerun writes the same files.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';

// The eas-sdk's ESM build imports lodash by name, which Node's ESM loader
// refuses; its CommonJS build loads.
const require = createRequire(import.meta.url);
const {
  Offchain, OffchainAttestationVersion, SchemaEncoder,
  createOffchainURL, zipAndEncodeToBase64,
} = require('@ethereum-attestation-service/eas-sdk');
const { Wallet, solidityPackedKeccak256, ZeroAddress, ZeroHash } = require('ethers');

// TEST KEYS ONLY: the first three accounts of the public hardhat/anvil test
// mnemonic. They hold nothing and must never hold anything.
const TEST_KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83ee5b1ee8d1fe3c7d8b2b2e1e0a7d68c4d0b7f1f5c1',
];

const domains = [
  { address: '0xA1207F3BBa224E2c9c3c6D5aF63D0eb1582Ce587', version: '1.3.0', chainId: 1n },
  { address: '0xC2679fBD37d54388Ce493F1DB75320D236e1815e', version: '0.26', chainId: 11155111n },
  { address: '0x4200000000000000000000000000000000000021', version: '1.0.1', chainId: 10n },
];

const schemas = [
  { schema: 'string flight,string date,string passenger,string seat',
    data: [['string', 'flight', 'BA117'], ['string', 'date', '2026-12-01'], ['string', 'passenger', 'Ada Lovelace'], ['string', 'seat', '1A']],
    json: { flight: 'BA117', date: '2026-12-01', passenger: 'Ada Lovelace', seat: '1A' } },
  { schema: 'string flight,string date,uint32 delayMinutes,string status',
    data: [['string', 'flight', 'LH400'], ['string', 'date', '2026-12-02'], ['uint32', 'delayMinutes', 185], ['string', 'status', 'delayed']],
    json: { flight: 'LH400', date: '2026-12-02', delayMinutes: 185, status: 'delayed' } },
  { schema: 'bytes32 instance,address integration,string[] scopes,uint64 notAfter',
    data: [['bytes32', 'instance', '0x' + '12'.repeat(32)], ['address', 'integration', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'],
           ['string[]', 'scopes', ['query:status', 'query:route']], ['uint64', 'notAfter', 1800000000n]],
    json: { instance: '0x' + '12'.repeat(32), integration: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', scopes: ['query:status', 'query:route'], notAfter: 1800000000 } },
  { schema: 'uint256 amount,int64 delta,bool ok,bytes blob,bytes32 tag,address who',
    data: [['uint256', 'amount', 115792089237316195423570985008687907853269984665640564039457584007913129639935n], ['int64', 'delta', -42n],
           ['bool', 'ok', true], ['bytes', 'blob', '0xdeadbeef'], ['bytes32', 'tag', '0x' + 'ab'.repeat(32)], ['address', 'who', ZeroAddress]],
    json: { amount: '115792089237316195423570985008687907853269984665640564039457584007913129639935', delta: -42, ok: true, blob: '0xdeadbeef', tag: '0x' + 'ab'.repeat(32), who: ZeroAddress } },
  // No array inside a tuple: eas-sdk 2.10.0's SchemaEncoder turns
  // "(address owner,uint16[] scores)" into uint16[][] (formatComponent adds
  // the array suffix twice), so it cannot be a reference for that case.
  { schema: '(string name,uint8 age)[] people,(address owner,uint16 score) meta,uint16[] scores',
    data: [['(string,uint8)[]', 'people', [['Ada', 36], ['Alan', 41]]],
           ['(address,uint16)', 'meta', ['0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', 65535]],
           ['uint16[]', 'scores', [7, 9]]],
    json: { people: [{ name: 'Ada', age: 36 }, { name: 'Alan', age: 41 }], meta: { owner: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', score: 65535 }, scores: [7, 9] } },
];

const jsonable = (v) => JSON.parse(JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x)));

const vectors = [];
let n = 0;
for (const version of [OffchainAttestationVersion.Legacy, OffchainAttestationVersion.Version1, OffchainAttestationVersion.Version2]) {
  for (const [i, s] of schemas.entries()) {
    const key = TEST_KEYS[(i + version) % TEST_KEYS.length];
    const signer = new Wallet(key);
    const domain = domains[(i + version) % domains.length];
    const offchain = new Offchain(domain, version, undefined);
    const encoder = new SchemaEncoder(s.schema);
    const data = encoder.encodeData(s.data.map(([type, name, value]) => ({ type, name, value })));
    const revocable = i % 2 === 0;
    const schemaUID = solidityPackedKeccak256(['string', 'address', 'bool'], [s.schema, ZeroAddress, revocable]);
    const params = {
      schema: schemaUID,
      recipient: i % 3 === 0 ? ZeroAddress : '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
      time: 1700000000n + BigInt(n),
      expirationTime: i % 2 === 0 ? 0n : 1900000000n,
      revocable,
      refUID: i === 1 ? '0x' + '77'.repeat(32) : ZeroHash,
      data,
    };
    if (version === OffchainAttestationVersion.Version2) {
      // A fixed salt; without one the eas-sdk draws a random salt.
      params.salt = '0x' + (n + 1).toString(16).padStart(64, '0');
    }
    const sig = await offchain.signOffchainAttestation(params, signer, { verifyOnchain: false });
    const pkg = { sig, signer: signer.address };
    if (!offchain.verifyOffchainAttestationSignature(signer.address, sig)) throw new Error('eas-sdk does not verify its own vector');
    vectors.push({
      id: `eas-sdk-v${version}-${i}`,
      version, key, schema: s.schema, schemaUID, revocable,
      data: s.json,
      package: jsonable(pkg),
      encoded: zipAndEncodeToBase64(pkg),
      url: createOffchainURL(pkg),
    });
    n++;
  }
}
writeFileSync('eas-sdk-vectors.json', JSON.stringify({
  generator: 'attest/testdata/eas-sdk/gen.mjs with @ethereum-attestation-service/eas-sdk 2.10.0 and ethers 6.13.2',
  vectors,
}, null, 1) + '\n');
console.log(`wrote ${vectors.length} eas-sdk vectors`);

if (existsSync('ours.json')) {
  const ours = JSON.parse(readFileSync('ours.json', 'utf8'));
  const results = ours.map((o) => {
    const { sig, signer } = o.package;
    const d = sig.domain;
    const offchain = new Offchain({ address: d.verifyingContract, version: d.version, chainId: BigInt(d.chainId) }, sig.version ?? 0, undefined);
    let valid = false;
    let error = '';
    try {
      valid = offchain.verifyOffchainAttestationSignature(signer, sig);
    } catch (e) {
      error = String(e);
    }
    return { id: o.id, uid: sig.uid, valid, error };
  });
  writeFileSync('ours-verified.json', JSON.stringify(results, null, 1) + '\n');
  console.log(`eas-sdk verified ${results.filter((r) => r.valid).length} of ${results.length} of ours`);
}
