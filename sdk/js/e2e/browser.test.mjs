// Browser tests in Chromium (playwright-core driving Debian's chromium):
// the car-rental demo from connect and grant to a live delay on the page
// with its receipt verified in the browser, and the dashboard showing a
// service node going down and its tickets moving. devnet.TestBrowser runs
// them with SMARTLAYER_LIVE naming the devnet and a control endpoint
// (publish a status, kill a service node); screenshots go to
// SMARTLAYER_ARTIFACTS.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const live = process.env.SMARTLAYER_LIVE ? JSON.parse(readFileSync(process.env.SMARTLAYER_LIVE, "utf8")) : null;
const skip = live ? false : "no devnet (SMARTLAYER_LIVE unset; devnet.TestBrowser runs these)";
const artifacts = process.env.SMARTLAYER_ARTIFACTS || "test-artifacts";
const results = {};
let browser;

const control = async (what, body = {}) => {
  const r = await fetch(`${live.control}/${what}`, { method: "POST", body: JSON.stringify(body) });
  if (!r.ok) throw new Error(`control ${what}: ${r.status} ${await r.text()}`);
  return r.json();
};

// watch keeps the page's errors, and prints its console, for a failure's story.
function watch(page, errors, name) {
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => console.log(`[${name} console.${m.type()}] ${m.text()}`));
  page.on("requestfailed", (r) => console.log(`[${name} request failed] ${r.url()} ${r.failure()?.errorText}`));
  page.on("response", (r) => r.status() >= 400 && console.log(`[${name} answer] ${r.status()} ${r.url()}`));
}

before(async () => {
  if (!live) return;
  mkdirSync(artifacts, { recursive: true });
  browser = await chromium.launch({
    executablePath: live.chromium,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  if (live) writeFileSync(join(artifacts, "timings.json"), JSON.stringify(results, null, 2));
});

test("the car-rental demo: connect, grant one ticket, and a live delay shows with its receipt verified", { skip, timeout: 120_000 }, async () => {
  const page = await browser.newPage();
  const errors = [];
  watch(page, errors, "demo");
  const payments = [];
  page.on("response", (r) => new URL(r.url()).pathname === "/pay" && payments.push(r.status()));
  await page.goto(live.demo);
  await page.selectOption("#who", live.holder);
  await page.click("#connect");
  await page.waitForSelector("#grant-step:not([hidden])");
  await page.selectOption("#ticket", live.instance);
  await page.screenshot({ path: join(artifacts, "demo-1-grant.png"), fullPage: true });
  await page.click("#grant");
  await page.waitForSelector('#verified[data-verified="true"]', { timeout: 30_000 });
  assert.match(await page.textContent("#f-flight"), new RegExp(live.flight));
  assert.match(await page.textContent("#verified"), /receipt verified in this browser/);
  await page.screenshot({ path: join(artifacts, "demo-2-flight.png"), fullPage: true });

  // The airline publishes a new delay; the page shows it, verified.
  const timings = [];
  for (const delay of [321, 47, 205]) {
    const { publishedAtMs } = await control("publish", { delay });
    await page.waitForSelector(`#f-delay[data-delay="${delay}"]`, { timeout: 30_000 });
    const shownAt = Number(await page.getAttribute("#verified", "data-shown-at"));
    assert.equal(await page.getAttribute("#verified", "data-verified"), "true");
    assert.ok(await page.$(`#updates li.verified[data-delay="${delay}"]`), "the status itself listed, its signature checked");
    timings.push(shownAt - publishedAtMs);
  }
  results.demoPublishToShownMs = timings;
  if (live.paid) assert.ok(payments.length > 0 && payments.every((st) => st === 200), `the site paid for the page's calls: ${payments}`);
  await page.screenshot({ path: join(artifacts, "demo-3-live-delay.png"), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test("the dashboard: nodes, tokens and activity live; a service node going down shows and its tickets move", { skip, timeout: 120_000 }, async () => {
  const page = await browser.newPage();
  const errors = [];
  watch(page, errors, "dashboard");
  await page.goto(live.dashboard);
  await page.waitForFunction((n) => document.querySelectorAll('#nodes tr[data-state="up"]').length >= n, live.nodes, { timeout: 30_000 });
  results.dashboardPaint = await page.evaluate(() => ({
    firstContentfulPaintMs: performance.getEntriesByName("first-contentful-paint")[0]?.startTime,
    firstDataMs: window.__dashboard.firstData,
  }));
  await page.waitForFunction(() => document.querySelectorAll("#tokens tbody tr").length > 0);
  // A status published now appears in the activity list.
  await control("publish", { delay: 12 });
  await page.waitForFunction(() => [...document.querySelectorAll('#activity li[data-kind="status"]')].some((li) => /12 min late/.test(li.textContent)), null, { timeout: 30_000 });
  await page.screenshot({ path: join(artifacts, "dashboard-1-up.png"), fullPage: true });

  // The service node holding the most tickets goes down.
  const victim = await page.evaluate(() => {
    const count = new Map();
    for (const td of document.querySelectorAll("#tokens td.replicas")) for (const p of td.dataset.replicas.split(",")) count.set(p, (count.get(p) || 0) + 1);
    return [...count.entries()].sort((a, b) => b[1] - a[1])[0][0];
  });
  const t0 = Date.now();
  await control("kill", { peer: victim });
  await page.waitForSelector(`#nodes tr[data-peer="${victim}"][data-state="down"]`, { timeout: 60_000 });
  results.dashboardDownShownMs = Date.now() - t0;
  await page.waitForFunction((p) => ![...document.querySelectorAll("#tokens td.replicas")].some((td) => td.dataset.replicas.split(",").includes(p)), victim, { timeout: 60_000 });
  results.dashboardTicketsMovedMs = Date.now() - t0;
  assert.ok(await page.$(`#activity li[data-kind="node"]`), "the node's fall is in the activity list");
  await page.screenshot({ path: join(artifacts, "dashboard-2-node-down.png"), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});
