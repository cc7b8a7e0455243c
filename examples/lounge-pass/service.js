// The lounge pass's module (docs/service-tokenscript.md). Its state is the
// pass itself; the flight's delay is the ticket's, read when asked, and,
// once the desk asked the pass to watch the ticket, at each status update
// of the flight.
module.exports = {
  // init gets the pass attestation: {uid, attester, recipient, time, data}.
  init(pass, ctx) {
    return {ticket: pass.data.ticket, lounge: pass.data.lounge, holder: pass.recipient,
            flight: pass.data.flight, date: pass.data.date};
  },

  // apply: a status update of the pass's flight (from anyone: it only
  // prompts the pass to ask the ticket). With the passenger's grant kept
  // (watch), the pass reads the ticket's status: only its executor makes
  // that call; every replica applies the update with the answer the
  // executor published, whose receipt each checked.
  apply(state, update, ctx) {
    if (typeof state.grant !== "string" || state.grant === "") {
      return state;
    }
    var t = ctx.tokens.query(state.ticket, "status", {}, {grant: state.grant});
    var next = Object.assign({}, state);
    next.ticketDelayMinutes = t.delayMinutes;
    next.open = t.lounge === true;
    next.checkedOn = update.uid;
    return next;
  },

  queries: {
    // entry: may the holder come in? args.grant is the passenger's grant to
    // this pass (compact form), which the desk passes along; the ticket's
    // answer comes with its node's receipt, checked before the module sees
    // it and kept in this query's transcript.
    entry(state, args, ctx) {
      var grant = args && args.grant;
      if (typeof grant !== "string" || grant === "") {
        return {enter: false, reason: "no grant from the ticket's passenger"};
      }
      var t = ctx.tokens.query(state.ticket, "status", {}, {grant: grant});
      return {
        enter: t.lounge === true,
        lounge: state.lounge,
        flight: t.flight,
        date: t.date,
        delayMinutes: t.delayMinutes,
        reason: t.lounge === true ? "the flight is " + t.delayMinutes + " minutes late" : "the flight is not three hours late",
      };
    },
  },

  // opens: when the pass starts to watch its ticket (the watch action's
  // result, which every replica applies), is the lounge open for its
  // flight? A trigger predicate's call to the ticket: the pass's executor
  // makes it, and every replica takes its answer. True starts "welcome".
  triggers: {
    opens(before, after, ctx) {
      if (before.grant || typeof after.grant !== "string") {
        return false;
      }
      var t = ctx.tokens.query(after.ticket, "status", {}, {grant: after.grant});
      return t.lounge === true;
    },
  },

  actions: {
    // welcome: started by the "opens" trigger; the pass notes it.
    welcome(state, args, ctx) {
      var next = Object.assign({}, state);
      next.welcomed = true;
      return {state: next, result: {welcomed: true}};
    },

    // watch: keep the passenger's grant to the pass (args.grant, with
    // query:status on the ticket), so that apply can read the ticket.
    watch(state, args, ctx) {
      var grant = args && args.grant;
      if (typeof grant !== "string" || grant === "" || grant.length > 4096) {
        return {state: state, result: {watching: false, reason: "no grant from the ticket's passenger"}};
      }
      var next = Object.assign({}, state);
      next.grant = grant;
      return {state: next, result: {watching: true, ticket: state.ticket}};
    },

    // rebookHotel: the ticket's rebook action, started by this pass (once
    // per desk request: ctx.tokens.action's key is made from this action's),
    // under the passenger's grant to the pass (args.grant, action:rebook).
    // args.hotel is the hotel API's base URL. The ticket's answer comes with
    // its executor's receipt, checked before the module sees it and kept in
    // this action's transcript.
    rebookHotel(state, args, ctx) {
      var grant = args && args.grant;
      if (typeof grant !== "string" || grant === "") {
        return {state: state, result: {rebooking: "not asked", reason: "no grant from the ticket's passenger"}};
      }
      var r = ctx.tokens.action(state.ticket, "rebook", {hotel: args.hotel}, {grant: grant});
      return {state: state, result: {rebooking: r.rebooking, booking: r.booking || null, ticket: state.ticket}};
    },
  },
};
