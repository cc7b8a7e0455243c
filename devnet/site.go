package devnet

import (
	"fmt"

	flightticket "github.com/smartlayer/smartlayer/examples/flight-ticket"
	carrental "github.com/smartlayer/smartlayer/examples/flight-ticket/car-rental"
	"github.com/smartlayer/smartlayer/tokenscript"
)

// startDemoSite serves the car-rental website (examples/flight-ticket/
// car-rental) for this network, with a demo wallet over the passengers'
// test keys, and names it and the first anchor's dashboard in Info.
func (d *Devnet) startDemoSite() error {
	cfg := carrental.Config{ChainID: d.Info.ChainID, EASContract: d.Info.EASContract, Airline: d.Info.Airline.Address,
		DemoKeys: map[string]string{}}
	for _, a := range d.Info.Anchors {
		cfg.Anchors = append(cfg.Anchors, a.HTTP)
	}
	for _, t := range d.Info.Tickets {
		cfg.Tickets = append(cfg.Tickets, carrental.Ticket{Instance: t.Instance, Flight: t.Flight, Date: t.Date,
			Passenger: t.Passenger, Seat: t.Seat, Owner: t.Holder, Topic: t.Topic})
		if t.OwnerKey != "" {
			cfg.DemoKeys[t.Holder] = t.OwnerKey
		}
	}
	if pr := d.Client.Payer; pr != nil {
		// The site pays its visitors' calls from the demo integration's
		// channel, with the same payer as the devnet's own client (one
		// sequence of promises), at the flight ticket's prices.
		m, err := (&tokenscript.Bundle{Files: flightticket.Files()}).Manifest()
		if err != nil || m.Service == nil {
			return fmt.Errorf("the flight ticket's prices: %v", err)
		}
		cfg.Price = func(kind, name string) uint64 {
			if kind == "query" {
				return m.Service.QueryPriceOf(name)
			}
			return m.Service.ActionPriceOf(name)
		}
		cfg.Pay = func(_ string, price uint64) (string, error) { return pr.Promise(price) }
	}
	s, err := carrental.Start("127.0.0.1:0", cfg)
	if err != nil {
		return err
	}
	d.demoSite = s
	d.Info.Demo.HTTP = s.URL
	if len(d.Info.Anchors) > 0 {
		d.Info.Dashboard = d.Info.Anchors[0].HTTP + "/ui/"
	}
	return nil
}
