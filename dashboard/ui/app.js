// The anchor's dashboard: reads GET /v1/events (the network every second,
// activity as it happens) and each node's /metrics for the charts. No
// build step, no framework.
const $ = (s) => document.querySelector(s);
const short = (s) => (s && s.length > 14 ? s.slice(0, 6) + "…" + s.slice(-6) : s || "");
const palette = ["#4c9aff", "#2fbf71", "#f5a524", "#e5484d", "#b69cff", "#36c5d0", "#ff8fab", "#c3e88d", "#ffcb6b", "#82aaff"];
const colors = new Map();
const colorOf = (peer) => {
  if (!colors.has(peer)) colors.set(peer, palette[colors.size % palette.length]);
  return colors.get(peer);
};

const state = {
  network: null,
  placements: [],
  prevSampling: new Map(), // peer -> {samples, mismatches, evidence}
  prevState: new Map(), // peer -> up/down
  metrics: new Map(), // peer -> {t, requests, sum, count}
  rate: new Map(), // peer -> [[t, v]]
  latency: new Map(),
  propagation: [], // [[t, ms]]
  rateNow: new Map(),
  latencyNow: new Map(),
  firstData: 0,
};
window.__dashboard = state; // for tests and the curious

function addActivity(kind, text, atMs) {
  const li = document.createElement("li");
  li.dataset.kind = kind;
  const t = document.createElement("time");
  t.textContent = new Date(atMs || Date.now()).toLocaleTimeString();
  const k = document.createElement("span");
  k.className = `badge kind ${kind}`;
  k.textContent = kind;
  const s = document.createElement("span");
  s.textContent = text;
  li.append(t, k, s);
  const ol = $("#activity");
  ol.prepend(li);
  while (ol.children.length > 200) ol.lastChild.remove();
}

function describe(a) {
  const f = a.fields || {};
  switch (a.kind) {
    case "status":
      return `${f.flight} ${f.date}: ${f.status}${Number(f.delayMinutes) ? `, ${f.delayMinutes} min late` : ""} (by ${short(a.publisher)})`;
    // An instance's own topics show no data here: reading it needs the
    // owner's grant.
    case "action":
      return `an action result on ${short(a.instance)} (executor ${short(a.publisher)})`;
    case "failure":
      return `a failure attestation on ${short(a.instance)} (anchor ${short(a.publisher)})`;
    case "slashing":
      return `evidence against ${short(f.node)}: ${f.reason} (instance ${short(f.instance)})`;
    case "vote":
      return `${short(a.publisher)} votes ${f.mode} (round ${f.round})`;
    default:
      return `${a.schema} on ${short(a.topic)} by ${short(a.publisher)}`;
  }
}

function onActivity(a) {
  addActivity(a.kind, describe(a), a.atMs);
  if (a.attestedMs > 0) {
    state.propagation.push([a.atMs, Math.max(0, a.atMs - a.attestedMs)]);
    if (state.propagation.length > 300) state.propagation.shift();
  }
}

function cell(tr, text, cls) {
  const td = document.createElement("td");
  if (cls) {
    const b = document.createElement("span");
    b.className = `badge ${cls}`;
    b.textContent = text;
    td.append(b);
  } else td.textContent = text;
  tr.append(td);
}

function onNetwork(ev) {
  const net = ev.network;
  state.network = net;
  state.placements = ev.placements || [];
  if (!state.firstData) state.firstData = performance.now();
  $("#self").textContent = short(net.self);
  $("#epoch").textContent = net.epoch ?? "–";
  $("#mode").textContent = net.mode ?? "normal";
  const sampling = (net.sampling && net.sampling.nodes) || {};
  const levels = (net.serviceLevels && net.serviceLevels.nodes) || {};
  const members = [...(net.anchors || []).map((m) => ({ ...m, role: "anchor" })), ...(net.services || []).map((m) => ({ ...m, role: "service" }))];
  $("#up").textContent = `${(net.services || []).filter((m) => m.state === "up").length} of ${(net.services || []).length}`;
  const placed = new Map();
  for (const p of state.placements) for (const r of p.replicas) placed.set(r, (placed.get(r) || 0) + 1);
  const tbody = $("#nodes tbody");
  tbody.replaceChildren();
  for (const m of members) {
    const tr = document.createElement("tr");
    tr.dataset.peer = m.peer;
    tr.dataset.state = m.state;
    tr.className = m.state;
    const s = sampling[m.peer] || {};
    const l = levels[m.peer] || {};
    cell(tr, m.role);
    const name = document.createElement("td");
    const dot = document.createElement("i");
    dot.className = "swatch";
    name.textContent = short(m.peer);
    name.title = `${m.peer}\n${m.address}\n${m.http || ""}`;
    name.style.color = colorOf(m.peer);
    tr.append(name);
    cell(tr, m.state, m.state);
    cell(tr, m.capacity ? String(m.capacity) : "–");
    const td = document.createElement("td");
    td.className = "instances";
    td.textContent = m.role === "service" ? String(placed.get(m.peer) ?? 0) : "–";
    tr.append(td);
    cell(tr, s.score !== undefined ? s.score.toFixed(2) : "–");
    cell(tr, s.samples !== undefined ? `${s.samples} / ${s.mismatches}` : "–");
    cell(tr, l.p50Ms !== undefined && l.samples ? `${l.p50Ms.toFixed(1)} / ${l.p99Ms.toFixed(1)}` : "–");
    cell(tr, l.samples ? `${(l.availability * 100).toFixed(0)}%` : "–");
    cell(tr, state.rateNow.has(m.peer) ? state.rateNow.get(m.peer).toFixed(1) : "–");
    cell(tr, state.latencyNow.has(m.peer) ? state.latencyNow.get(m.peer).toFixed(1) : "–");
    tbody.append(tr);
    // Changes worth a line in the activity list.
    const before = state.prevState.get(m.peer);
    if (before && before !== m.state) addActivity("node", `${m.role} ${short(m.peer)} is ${m.state}`);
    state.prevState.set(m.peer, m.state);
    const ps = state.prevSampling.get(m.peer);
    if (ps && s.samples > ps.samples) {
      const bad = s.mismatches > ps.mismatches;
      addActivity(bad ? "mismatch" : "sampling", `${s.samples - ps.samples} execution(s) of ${short(m.peer)} replayed: ${bad ? "MISMATCH" : "all match"}, score ${s.score.toFixed(2)}`);
    }
    if (s.samples !== undefined) state.prevSampling.set(m.peer, { samples: s.samples, mismatches: s.mismatches });
  }
  renderTokens();
  draw();
}

function renderTokens() {
  $("#token-count").textContent = `${state.placements.length} in this anchor's records`;
  const tbody = $("#tokens tbody");
  tbody.replaceChildren();
  for (const p of state.placements) {
    const tr = document.createElement("tr");
    tr.dataset.instance = p.instance;
    cell(tr, short(p.instance));
    const ex = document.createElement("td");
    ex.textContent = short(p.executor);
    ex.style.color = colorOf(p.executor);
    tr.append(ex);
    const reps = document.createElement("td");
    reps.className = "replicas";
    reps.textContent = p.replicas.map(short).join(", ");
    reps.dataset.replicas = p.replicas.join(",");
    tr.append(reps);
    cell(tr, String(p.fencing));
    tr.addEventListener("click", () => showRoute(p.instance));
    tbody.append(tr);
  }
}

async function showRoute(instance) {
  const pre = $("#route");
  pre.hidden = false;
  try {
    const r = await fetch(`/v1/tokens/${instance}/route`);
    const j = await r.json();
    delete j.record;
    pre.textContent = JSON.stringify(j, null, 2);
  } catch (e) {
    pre.textContent = String(e);
  }
}

// The charts: request rate and mean answer time per node from each node's
// own /metrics (counters, so rates over the poll interval).
function parseMetrics(text) {
  let requests = 0, sum = 0, count = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const sp = line.lastIndexOf(" ");
    const v = Number(line.slice(sp + 1));
    if (line.startsWith("smartlayer_http_requests_total")) requests += v;
    else if (line.startsWith("smartlayer_http_request_seconds_sum")) sum += v;
    else if (line.startsWith("smartlayer_http_request_seconds_count")) count += v;
  }
  return { requests, sum, count };
}

async function pollMetrics() {
  const net = state.network;
  if (!net) return;
  const members = [...(net.anchors || []), ...(net.services || [])].filter((m) => m.http);
  const now = Date.now();
  await Promise.all(
    members.map(async (m) => {
      try {
        const r = await fetch(`${m.http}/metrics`, { signal: AbortSignal.timeout(1500) });
        const cur = { t: now, ...parseMetrics(await r.text()) };
        const prev = state.metrics.get(m.peer);
        state.metrics.set(m.peer, cur);
        if (!prev) return;
        const dt = (cur.t - prev.t) / 1000;
        // Less the dashboard's own poll (one request per interval).
        const rate = Math.max(0, (cur.requests - prev.requests - 1) / dt);
        const dc = cur.count - prev.count;
        const lat = dc > 0 ? ((cur.sum - prev.sum) / dc) * 1000 : 0;
        push(state.rate, m.peer, now, rate);
        push(state.latency, m.peer, now, lat);
        state.rateNow.set(m.peer, rate);
        state.latencyNow.set(m.peer, lat);
      } catch {
        push(state.rate, m.peer, now, 0);
        state.rateNow.delete(m.peer);
        state.latencyNow.delete(m.peer);
      }
    }),
  );
  draw();
}

function push(map, peer, t, v) {
  if (!map.has(peer)) map.set(peer, []);
  const s = map.get(peer);
  s.push([t, v]);
  if (s.length > 150) s.shift();
}

function chart(canvas, legend, series, unit) {
  const ctx = canvas.getContext("2d");
  const w = canvas.width, h = canvas.height;
  ctx.clearRect(0, 0, w, h);
  const now = Date.now(), span = 5 * 60_000;
  let max = 1;
  for (const [, pts] of series) for (const [, v] of pts) max = Math.max(max, v);
  max *= 1.15;
  ctx.strokeStyle = "#232b34";
  ctx.fillStyle = "#8a96a3";
  ctx.font = "11px system-ui";
  for (let i = 0; i <= 4; i++) {
    const y = h - 16 - ((h - 24) * i) / 4;
    ctx.beginPath();
    ctx.moveTo(36, y);
    ctx.lineTo(w, y);
    ctx.stroke();
    ctx.fillText(((max * i) / 4).toFixed(max < 10 ? 1 : 0), 2, y + 4);
  }
  ctx.fillText("−5 min", 36, h - 2);
  ctx.fillText("now", w - 24, h - 2);
  legend.replaceChildren();
  for (const [name, pts, color, dots] of series) {
    ctx.strokeStyle = ctx.fillStyle = color;
    ctx.beginPath();
    pts.forEach(([t, v], i) => {
      const x = 36 + ((w - 36) * (t - (now - span))) / span;
      const y = h - 16 - ((h - 24) * v) / max;
      if (dots) ctx.fillRect(x - 1.5, y - 1.5, 3, 3);
      else if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    if (!dots) ctx.stroke();
    const item = document.createElement("span");
    const sw = document.createElement("i");
    sw.style.background = color;
    item.append(sw, `${name}${unit ? "" : ""}`);
    legend.append(item);
  }
}

function draw() {
  const series = (m) => [...m.entries()].map(([peer, pts]) => [short(peer), pts, colorOf(peer)]);
  chart($("#rate"), $("#rate-legend"), series(state.rate));
  chart($("#latency"), $("#latency-legend"), series(state.latency));
  chart($("#propagation"), $("#propagation-legend"), [["attestations (1 s resolution: attestation times are in seconds)", state.propagation, "#4c9aff", true]]);
}

// The stream, with EventSource's own reconnection and Last-Event-ID resume.
function connect() {
  const es = new EventSource("/v1/events");
  const live = $("#live");
  es.addEventListener("open", () => {
    live.className = "badge live";
    live.textContent = "live";
  });
  es.addEventListener("error", () => {
    live.className = "badge error";
    live.textContent = "reconnecting";
  });
  es.addEventListener("network", (e) => onNetwork(JSON.parse(e.data)));
  es.addEventListener("activity", (e) => onActivity(JSON.parse(e.data)));
}

connect();
setInterval(pollMetrics, 2000);
