// The package as npm would publish it installs into an empty project and imports.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const sdk = new URL("..", import.meta.url).pathname;

test("npm pack installs into an empty folder and imports", () => {
  const dir = mkdtempSync(join(tmpdir(), "smartlayer-pack-"));
  try {
    const out = execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], { cwd: sdk, encoding: "utf8" });
    const [info] = JSON.parse(out);
    const files = info.files.map((f) => f.path);
    assert.ok(files.includes("dist/index.js") && files.includes("dist/index.d.ts"), files.join(" "));
    assert.ok(!files.some((f) => f.startsWith("src/") || f.startsWith("test/")), "only what a user needs");
    const app = join(dir, "app");
    execFileSync("mkdir", ["-p", app]);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", version: "1.0.0", type: "module", private: true }));
    execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", join(dir, info.filename)], { cwd: app, encoding: "utf8" });
    const got = execFileSync(
      "node",
      ["--input-type=module", "-e", `import * as sl from "@smartlayer/client"; console.log(JSON.stringify({client: typeof sl.Client, verify: typeof sl.verifyReceipt, grant: typeof sl.signGrant, uid: sl.uidOf("grant")}))`],
      { cwd: app, encoding: "utf8" },
    );
    const v = JSON.parse(got);
    assert.equal(v.client, "function");
    assert.equal(v.verify, "function");
    assert.equal(v.grant, "function");
    assert.match(v.uid, /^0x[0-9a-f]{64}$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
