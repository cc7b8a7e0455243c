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
};
