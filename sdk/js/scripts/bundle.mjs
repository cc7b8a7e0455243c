// Bundles the SDK with ethers into one ES module for pages that load it
// without a bundler (dist/smartlayer.browser.js).
import { build } from "esbuild";

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
