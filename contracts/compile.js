// compile.js builds the contracts in src/ with the pinned solc (package.json)
// and writes, for each deployable contract, build/<Name>.abi and
// build/<Name>.bin, and build/sources.sha256: the hash of every source and
// of the compiler settings, which the Go tests compare with src/ to find
// stale bindings. Run through `go generate ./contracts/...`.
"use strict";
const fs = require("fs");
const path = require("path");
const crypto = require("crypto");
const solc = require("solc");

const here = __dirname;
const deployable = ["StakeToken", "ServiceToken", "Epochs", "Registry", "TokenTypes", "FlightTickets", "Channels", "Commitments"];
const settings = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: "cancun",
  outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
};

const files = fs.readdirSync(path.join(here, "src")).filter((f) => f.endsWith(".sol")).sort();
const sources = {};
for (const f of files) {
  sources["src/" + f] = { content: fs.readFileSync(path.join(here, "src", f), "utf8") };
}

function findImports(p) {
  const candidates = [path.join(here, "node_modules", p), path.join(here, p)];
  for (const c of candidates) {
    if (fs.existsSync(c)) return { contents: fs.readFileSync(c, "utf8") };
  }
  return { error: "not found: " + p };
}

const out = JSON.parse(solc.compile(JSON.stringify({ language: "Solidity", sources, settings }), { import: findImports }));
let failed = false;
for (const e of out.errors || []) {
  if (e.severity === "error") failed = true;
  process.stderr.write(e.formattedMessage + "\n");
}
if (failed) process.exit(1);

fs.mkdirSync(path.join(here, "build"), { recursive: true });
for (const name of deployable) {
  const c = out.contracts["src/" + name + ".sol"][name];
  fs.writeFileSync(path.join(here, "build", name + ".abi"), JSON.stringify(c.abi, null, 1) + "\n");
  fs.writeFileSync(path.join(here, "build", name + ".bin"), c.evm.bytecode.object + "\n");
}
fs.writeFileSync(path.join(here, "build", "sources.sha256"), sourcesHash() + "\n");
process.stdout.write(`compiled ${files.length} sources with solc ${solc.version()}\n`);

// sourcesHash is sha256 over this script, package.json (which pins the
// compiler and OpenZeppelin) and every source, each as its name, a newline,
// its length, a newline and its bytes, in that order (sources by name);
// contracts/fresh_test.go computes the same in Go.
function sourcesHash() {
  const h = crypto.createHash("sha256");
  const names = ["compile.js", "package.json"].concat(files.map((f) => "src/" + f));
  for (const n of names) {
    const b = fs.readFileSync(path.join(here, n));
    h.update(n + "\n" + b.length + "\n");
    h.update(b);
  }
  return h.digest("hex");
}
