// Drive Away: the car-rental site of the flight-ticket demo. The passenger
// connects a wallet and grants this page's own key one ticket; every answer
// the page shows is checked here: the node's receipt for that very call and
// those very bytes, and the airline's signature on each live status.
import { Client, addressOfKey, decodeData, devnetWallet, eip1193Signer, newSessionKey, readGrant, schemas, signGrant, signRequest, uidOf } from "./smartlayer.js";

const $ = (s) => document.querySelector(s);
const cfg = await (await fetch("/config.json")).json();
const network = { chainId: cfg.chainId, contract: cfg.easContract };
const scopes = ["query:status", "read:history"];
const scopeText = { "query:status": "read your flight's status, lounge access and hotel rebooking", "read:history": "follow what changes on your ticket" };
const notAfter = new Date(Date.now() + 2 * 3600_000);
let provider, account, client, ticket;

function fail(e) {
  const p = $("#error");
  p.hidden = false;
  p.textContent = String(e && e.message ? e.message : e);
  console.error(e);
}

// The wallet: the browser's own (EIP-1193) or, on a devnet, the demo wallet
// over the passengers' test keys.
if (window.ethereum) {
  provider = window.ethereum;
  $("#wallet-kind").textContent = "Your browser's wallet will be asked.";
} else if (cfg.demoKeys) {
  const who = $("#who");
  for (const t of cfg.tickets) {
    if (!cfg.demoKeys[t.owner]) continue;
    if ([...who.options].some((o) => o.value === t.owner)) continue;
    who.append(new Option(`${t.passenger} (${t.owner.slice(0, 8)}…)`, t.owner));
  }
  $("#who-label").hidden = false;
  provider = devnetWallet(cfg.demoKeys, cfg.chainId, () => who.value);
  $("#wallet-kind").textContent = "No wallet in this browser: the devnet's demo wallet signs with the passengers' test keys.";
} else {
  $("#wallet-kind").textContent = "Install a wallet to go on.";
  $("#connect").disabled = true;
}

$("#connect").addEventListener("click", async () => {
  try {
    const accounts = await provider.request({ method: "eth_requestAccounts" });
    account = accounts[0];
    const mine = cfg.tickets.filter((t) => t.owner.toLowerCase() === account.toLowerCase());
    $("#account").hidden = false;
    $("#account").textContent = `Connected: ${account} (${mine.length} ticket${mine.length === 1 ? "" : "s"})`;
    const sel = $("#ticket");
    sel.replaceChildren(...mine.map((t) => new Option(`${t.flight} on ${t.date}, seat ${t.seat}`, t.instance)));
    $("#scopes").replaceChildren(...scopes.map((s) => Object.assign(document.createElement("li"), { textContent: `${scopeText[s]} (${s})` })));
    $("#expiry").textContent = notAfter.toLocaleString();
    $("#grant-step").hidden = mine.length === 0;
    if (!mine.length) fail("This account holds no ticket on this network.");
  } catch (e) {
    fail(e);
  }
});

$("#grant").addEventListener("click", async () => {
  try {
    ticket = cfg.tickets.find((t) => t.instance === $("#ticket").value);
    const session = newSessionKey(); // this page's own key: it never leaves the page
    const sessionAddress = addressOfKey(session);
    const grant = await signGrant(eip1193Signer(provider, account), { chainId: cfg.chainId, verifyingContract: cfg.easContract }, {
      instance: ticket.instance, integration: sessionAddress, scopes, notAfter,
    });
    const g = readGrant(grant, network);
    // Priced calls are paid by this site's server from its channel.
    // The site's server pays only under the owner's grant, asked by the
    // key the grant names (this page's).
    const pay = cfg.paid ? async (due, url) => {
      const body = JSON.stringify({ url, grant: JSON.stringify(grant) });
      const sig = signRequest(session, { method: "POST", path: "/pay", body: new TextEncoder().encode(body) });
      const r = await fetch("/pay", { method: "POST", headers: { "X-Smartlayer-Signature": sig }, body });
      if (!r.ok) throw new Error(`the site could not pay: ${r.status} ${await r.text()}`);
      return (await r.json()).header;
    } : undefined;
    client = new Client({ anchors: cfg.anchors, key: session, grants: { [ticket.instance]: grant }, network, pay });
    $("#grant").disabled = true;
    $("#grant").textContent = `Granted (${g.uid.slice(0, 10)}…)`;
    $("#flight-step").hidden = false;
    await refresh();
    follow();
  } catch (e) {
    fail(e);
  }
});

// refresh asks the ticket for its status (receipt checked by the SDK) and
// shows it; wanted: the delay a fresh status announced, asked for again
// (less and less often, for up to 30 s) until the replica has applied it,
// unless a newer status comes first.
async function refresh(wanted) {
  let a = await client.query(ticket.instance, "status");
  const end = Date.now() + 30_000;
  for (let wait = 100; wanted !== undefined && a.result.delayMinutes !== wanted && want === wanted && Date.now() < end; wait = Math.min(wait * 2, 1000)) {
    await new Promise((r) => setTimeout(r, wait));
    a = await client.query(ticket.instance, "status");
  }
  show(a);
}

function show(a) {
  const s = a.result;
  $("#f-flight").textContent = `${s.flight} on ${s.date}`;
  $("#f-passenger").textContent = `${s.passenger}, seat ${s.seat}`;
  $("#f-status").textContent = s.status || "no news yet";
  $("#f-delay").textContent = s.delayMinutes ? `${s.delayMinutes} minutes` : "none";
  $("#f-delay").dataset.delay = String(s.delayMinutes ?? 0);
  $("#f-lounge").textContent = s.lounge === true ? "yours: the delay opens it" : s.lounge === false ? "not with this delay" : s.lounge || "–";
  $("#f-rebooking").textContent = s.rebooking || "–";
  $("#f-car").textContent = s.delayMinutes ? `held ${s.delayMinutes} minutes longer, free of charge` : "ready at arrival";
  const m = $("#verified");
  m.dataset.verified = a.receipt ? "true" : "false";
  m.dataset.node = a.node;
  m.dataset.shownAt = String(Date.now());
  m.textContent = a.receipt
    ? `receipt verified in this browser: signed by ${a.node.slice(0, 12)}…, a replica of this ticket, for this answer (root ${a.receipt.root.slice(0, 10)}…)`
    : "not verified";
}

// One refresh at a time; a status that arrives meanwhile is shown by the
// next one. A fresh status is asked for until the replica has applied it.
let want, busy = false, again = false;
async function scheduleRefresh() {
  if (busy) {
    again = true;
    return;
  }
  busy = true;
  try {
    do {
      again = false;
      await refresh(want);
    } while (again);
  } catch (e) {
    fail(e);
  } finally {
    busy = false;
  }
}

function follow() {
  // The flight's statuses through any anchor: each entry and attestation
  // checked here, and only the airline's taken (anyone may publish on a
  // flight's topic).
  client.follow(ticket.topic, (e) => {
    const f = e.attestation;
    const li = document.createElement("li");
    li.dataset.receivedAt = String(Date.now());
    const when = new Date(Number(f.message.time) * 1000).toLocaleTimeString();
    const d = decodeData(schemas.flightStatus.text, f.message.data);
    li.className = "verified";
    li.dataset.delay = String(d.delayMinutes);
    li.textContent = `${when}: ${d.status}${Number(d.delayMinutes) ? `, ${d.delayMinutes} min late` : ""}`;
    $("#updates").prepend(li);
    while ($("#updates").children.length > 50) $("#updates").lastChild.remove();
    // Statuses from before the page opened are history: only a fresh one
    // is waited for.
    want = Number(f.message.time) * 1000 > Date.now() - 60_000 ? Number(d.delayMinutes) : undefined;
    scheduleRefresh();
  }, { signers: [cfg.airline], schema: uidOf("flightStatus"), onError: (err) => console.warn("stream:", err) });
  // What changes on the ticket itself (a rebooking, a failed one), under
  // the grant.
  client.followToken(ticket.instance, () => scheduleRefresh(), { onError: (err) => console.warn("ticket stream:", err) });
}
