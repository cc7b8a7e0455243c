package token_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/attest"
	flightticket "github.com/smartlayer/smartlayer/examples/flight-ticket"
	"github.com/smartlayer/smartlayer/examples/flight-ticket/model"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/token"
	"github.com/smartlayer/smartlayer/tokenscript"
	"github.com/smartlayer/smartlayer/wire"
)

// TestStrangersStartNoStreams: strangers' flight-status attestations (not
// the airline's) on a ticket's topic, one publisher key each, are refused
// and leave the instance as it was: each used to add a stream (an offset
// and a history item) to every ticket of the flight for good.
func TestStrangersStartNoStreams(t *testing.T) {
	bundle := &tokenscript.Bundle{Files: flightticket.Files()}
	man, _ := bundle.Manifest()
	anchor, airline := keyOf("anchor"), keyOf("airline")
	env := &token.Env{Script: model.Script{}, Subscriptions: man.Service.Subscriptions, Triggers: man.Service.Triggers,
		Issuers:     func(string) []common.Address { return []common.Address{airline.Address()} },
		IsAnchor:    func(a common.Address) bool { return a == anchor.Address() },
		CheckRecord: func(r *placement.Record) error { return nil }}
	id := wire.InstanceID{1}
	rec := &placement.Record{Instance: id, Bundle: "0x00", Fencing: 1, Executor: keyOf("svc1").PeerID().String(), IssuedMs: 1700000000000}
	rec.Replicas = []string{rec.Executor}
	rec.AnchorPeer = anchor.PeerID().String()
	_ = rec.Sign(anchor.ECDSA)
	rd, err := token.Step(context.Background(), nil, token.Event{Register: &token.Register{Record: rec, Registration: &wire.Registration{Instance: id, Bundle: "0x00"},
		Owner: keyOf("alice").Address(), Ticket: json.RawMessage(`{"uid":"0x01","recipient":"0x00000000000000000000000000000000000a11ce","time":1700000000,"data":{"flight":"BA117","date":"2026-12-01","passenger":"Ada","seat":"1A"}}`)}}, env)
	if err != nil {
		t.Fatal(err)
	}
	in := rd.Instance
	topics, _ := token.Topics(in, env.Subscriptions)
	var topic string
	for tp, s := range topics {
		if s.Schema == attest.FlightStatusSchema.UID {
			topic = tp
		}
	}
	data, _ := attest.FlightStatusSchema.Schema.EncodeJSON([]byte(`{"flight":"BA117","date":"2026-12-01","delayMinutes":0,"status":"on-time"}`))
	const n = 300
	for i := 0; i < n; i++ {
		k := keyOf(fmt.Sprint("mallory", i))
		s, _ := attest.Sign(k.ECDSA, domain, attest.Message{Version: attest.Version2, Schema: attest.FlightStatusSchema.UID, Time: 1700000100, Data: data, Revocable: true})
		rd, err := token.Step(context.Background(), in, token.Event{Entry: &token.Entry{Topic: topic, Publisher: k.Address(), Seq: 1, Att: s}}, env)
		if err != nil {
			t.Fatal(err)
		}
		if rd.Instance != nil {
			in = rd.Instance
		}
	}
	if len(in.Offsets) != 0 || in.HistoryN != 0 {
		t.Errorf("after %d refused strangers' statuses: %d offsets, %d history items", n, len(in.Offsets), in.HistoryN)
	}
}
