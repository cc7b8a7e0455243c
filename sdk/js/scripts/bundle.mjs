// Bundles the SDK with ethers into one ES module for pages that load it
// without a bundler (dist/smartlayer.browser.js), and copies it to the
// car-rental demo, which the devnet serves as it is (committed; the Go
// test devnet.TestJSSDK fails when the copy is not the current build).
import { build } from "esbuild";
import { copyFileSync } from "node:fs";

await build({
  entryPoints: ["dist/index.js"],
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: true,
  legalComments: "eof",
  outfile: "dist/smartlayer.browser.js",
  logLevel: "warning",
});
copyFileSync("dist/smartlayer.browser.js", "../../examples/flight-ticket/car-rental/smartlayer.js");
