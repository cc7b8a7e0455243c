package contracts

import (
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/crypto"
)

// TestFlightTickets: only the airline issues tickets and publishes
// statuses; a ticket's token ID is its attestation UID; a holder's
// transfer moves ownerOf; the status event's data is the flight-status
// schema's encoding.
func TestFlightTickets(t *testing.T) {
	ch := newChain(t, 3)
	airline, passenger, other := 0, 1, 2
	o := ch.auth(airline)
	addr, tx, ft, err := DeployFlightTickets(o, ch.c, ch.addr(airline))
	ch.must(err)
	ch.include(tx)
	uid := crypto.Keccak256Hash([]byte("ticket attestation"))
	ch.reverts(ft.Issue(ch.auth(other), ch.addr(other), uid))("OwnableUnauthorizedAccount")
	ch.ok(ft.Issue(ch.auth(airline), ch.addr(passenger), uid))
	ch.reverts(ft.Issue(ch.auth(airline), ch.addr(other), uid))("ERC721InvalidSender")
	id := new(big.Int).SetBytes(uid[:])
	if got, _ := ft.OwnerOf(nil, id); got != ch.addr(passenger) {
		t.Fatalf("ownerOf %s, want the passenger %s", got, ch.addr(passenger))
	}
	// The airline cannot move a passenger's ticket; its holder can.
	ch.reverts(ft.TransferFrom(ch.auth(airline), ch.addr(passenger), ch.addr(other), id))("ERC721InsufficientApproval")
	ch.ok(ft.TransferFrom(ch.auth(passenger), ch.addr(passenger), ch.addr(other), id))
	if got, _ := ft.OwnerOf(nil, id); got != ch.addr(other) {
		t.Fatalf("ownerOf after the transfer %s, want %s", got, ch.addr(other))
	}

	ch.reverts(ft.SetStatus(ch.auth(passenger), "SL1", "2026-12-01", 10, "delayed"))("OwnableUnauthorizedAccount")
	ch.reverts(ft.SetStatus(ch.auth(airline), strings.Repeat("x", 65), "2026-12-01", 10, "delayed"))("FieldTooLong")
	r := ch.ok(ft.SetStatus(ch.auth(airline), "SL1", "2026-12-01", 190, "delayed"))
	if len(r.Logs) != 1 || r.Logs[0].Address != addr {
		t.Fatalf("setStatus logs: %+v", r.Logs)
	}
	ev, err := ft.ParseFlightStatus(*r.Logs[0])
	ch.must(err)
	if ev.Flight != "SL1" || ev.Date != "2026-12-01" || ev.DelayMinutes != 190 || ev.Status != "delayed" {
		t.Fatalf("event %+v", ev)
	}
	// The event's data is the flight-status schema's ABI encoding, which
	// is how the network decodes it.
	args := abiArgs(t, "string", "string", "uint32", "string")
	vals, err := args.Unpack(r.Logs[0].Data)
	ch.must(err)
	if vals[0] != "SL1" || vals[2] != uint32(190) {
		t.Fatalf("data decoded %v", vals)
	}
}

func abiArgs(t *testing.T, types ...string) abi.Arguments {
	t.Helper()
	var out abi.Arguments
	for _, ty := range types {
		out = append(out, abi.Argument{Type: mustType(ty)})
	}
	return out
}
