// Times the flight ticket's status query in Node.js the way the sandbox runs
// it: state and args cross as JSON text, the result leaves as JSON text.
// Usage: node status-bench.js ITERATIONS   (prints ns per call)
"use strict";
const state = '{"flight":"BA117","date":"2026-12-01","passenger":"Ada Lovelace","seat":"1A","holder":"0x90F79bf6EB2c4f870365E785982E1f101E93b906","issuedAt":1795549687,"delayMinutes":190,"status":"delayed","lounge":true,"rebooking":"none"}';
const args = "{}";
function status(state, args, ctx) {
  return {flight: state.flight, date: state.date, passenger: state.passenger, seat: state.seat,
    delayMinutes: state.delayMinutes, status: state.status, lounge: state.lounge, rebooking: state.rebooking};
}
const n = Number(process.argv[2] || 100000);
let sink = 0;
for (let i = 0; i < 10000; i++) sink += JSON.stringify(status(JSON.parse(state), JSON.parse(args), {now: i})).length;
const t0 = process.hrtime.bigint();
for (let i = 0; i < n; i++) sink += JSON.stringify(status(JSON.parse(state), JSON.parse(args), {now: i})).length;
const t1 = process.hrtime.bigint();
if (sink === 0) console.error("unreachable");
console.log(Number(t1 - t0) / n);
