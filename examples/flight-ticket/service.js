// Service TokenScript module of the flight ticket.
//
// The network calls init(ticket, ctx) once when an instance is created from
// the airline's ticket attestation, and queries.<name>(state, args, ctx) for
// every integration query. Functions see no clock or network of their own:
// ctx.now is the time the node vouches for, ctx.instance the instance ID.
"use strict";

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
      };
    },
  },
};
