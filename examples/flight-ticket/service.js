// Service TokenScript module of the flight ticket.
//
// The network calls, always deterministically (the same inputs give the same
// result on every replica):
//   init(ticket, ctx)              once, when the airline's ticket attestation
//                                  creates the instance;
//   queries.<name>(state, args, ctx)  for integrations' queries (read only);
//   apply(state, attestation, ctx) for each flight-status attestation of the
//                                  flight's topic, in order;
//   triggers.<name>(before, after) after a state change: true starts an action;
//   actions.<name>(state, args, ctx)  on the one elected executor: may reach
//                                  the hosts the TokenScript declares;
//   failed(state, failure, ctx)    for an anchor's failure attestation.
// ctx.now is the time the node vouches for, ctx.instance the instance ID,
// ctx.random() a random number derived from the inputs, ctx.log() a log line,
// ctx.fetch(url, {method, headers, body}) an HTTP call recorded in the
// transcript.
"use strict";

function with_(state, changes) {
  return Object.assign({}, state, changes);
}

// newer compares [time, publisher, seq] keys.
function newer(a, b) {
  for (var i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      return a[i] > b[i];
    }
  }
  return false;
}

module.exports = {
  init(ticket, ctx) {
    return {
      flight: ticket.data.flight,
      date: ticket.data.date,
      passenger: ticket.data.passenger,
      seat: ticket.data.seat,
      holder: ticket.recipient,
      issuedAt: ticket.time,
      delayMinutes: 0,
      status: "scheduled",
      lounge: false,
      rebooking: "none",
    };
  },

  queries: {
    // status: what a car-rental or hotel website needs to know of the trip.
    status(state, args, ctx) {
      return {
        flight: state.flight,
        date: state.date,
        passenger: state.passenger,
        seat: state.seat,
        delayMinutes: state.delayMinutes,
        status: state.status,
        lounge: state.lounge,
        rebooking: state.rebooking,
      };
    },
  },

  // A flight-status attestation: {uid, attester, time, publisher, seq,
  // data: {flight, date, delayMinutes, status}}. A delay of three hours or
  // more grants lounge access.
  //
  // Several publishers may relay statuses on one topic, and replicas see
  // their streams interleaved differently; so the newest status wins, by
  // (attestation time, publisher, seq), whatever the order of arrival. Every
  // replica then reaches the same state.
  //
  // The ticket's ERC-721 twin (<sl:erc721>) sends its Transfers here too,
  // as {event: "Transfer", data: {from, to, tokenId}}: the holder changes.
  // The airline's FlightStatus events on chain arrive like its statuses,
  // with the contract as publisher and the block's time.
  apply(state, att, ctx) {
    var d = att.data || att;
    if (att.event === "Transfer") {
      return typeof d.to === "string" ? with_(state, {holder: d.to}) : state;
    }
    if (d.flight !== state.flight || d.date !== state.date) {
      return state;
    }
    var key = [att.time || 0, att.publisher || "", att.seq || 0];
    if (state.statusKey && !newer(key, state.statusKey)) {
      return state;
    }
    return with_(state, {
      delayMinutes: d.delayMinutes,
      status: d.status,
      lounge: d.delayMinutes >= 180,
      statusKey: key,
    });
  },

  triggers: {
    // longDelay starts the hotel rebooking when the delay reaches three
    // hours. It reads only what the airline's statuses write: a predicate
    // that also read what the rebook action writes would fire or not
    // depending on whether a replica saw the action's result before or
    // after the status, and replicas would disagree on what is pending.
    // The action itself skips a rebooking already confirmed.
    longDelay(before, after) {
      return after.delayMinutes >= 180 && before.delayMinutes < 180;
    },
  },

  actions: {
    // rebook moves the passenger's hotel night. args.hotel is the hotel API's
    // base URL (the node's service.action_vars for triggered runs). The
    // sandbox sends the action's idempotency key with the call, so a retried
    // or failed-over action books once.
    rebook(state, args, ctx) {
      if (args.trigger && state.rebooking === "confirmed") {
        // Started by a trigger after a rebooking was confirmed: nothing to do.
        return {state: state, result: {rebooking: "confirmed", booking: state.booking, skipped: true}};
      }
      var r = ctx.fetch(args.hotel + "/bookings", {
        method: "POST",
        headers: {"Content-Type": "application/json"},
        body: JSON.stringify({passenger: state.passenger, flight: state.flight, date: state.date, delayMinutes: state.delayMinutes}),
      });
      if (r.status === 200 || r.status === 201) {
        var booking = JSON.parse(r.body);
        return {state: with_(state, {rebooking: "confirmed", booking: booking.id}), result: {rebooking: "confirmed", booking: booking.id}};
      }
      if (r.failure) {
        // The executor and then an anchor failed: the anchor's failure
        // attestation moves the ticket on (see failed below).
        return {state: with_(state, {rebooking: "failed", failure: r.failure}), result: {rebooking: "failed", failure: r.failure}};
      }
      ctx.log("hotel answered", r.status, r.error || "");
      return {state: with_(state, {rebooking: "pending"}), result: {rebooking: "pending", status: r.status}};
    },
  },

  // failed handles an anchor's failure attestation for one of this ticket's
  // external calls: {uid, attester, time, data: {instance, action,
  // requestHash, errorClass, attempts}}.
  failed(state, f, ctx) {
    if (f.data.action !== "rebook" || state.rebooking === "confirmed") {
      return state;
    }
    return with_(state, {rebooking: "failed", failure: f.uid});
  },
};
