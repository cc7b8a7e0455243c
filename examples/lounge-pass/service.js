// The lounge pass's module (docs/service-tokenscript.md). Its state is the
// pass itself; the flight's delay is the ticket's, read when asked.
module.exports = {
  // init gets the pass attestation: {uid, attester, recipient, time, data}.
  init(pass, ctx) {
    return {ticket: pass.data.ticket, lounge: pass.data.lounge, holder: pass.recipient};
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

  actions: {
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
