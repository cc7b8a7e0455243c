package devnet

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
	loungepass "github.com/smartlayer/smartlayer/examples/lounge-pass"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/wire"
)

// LoungePass is a lounge pass of the devnet: its instance, the ticket it
// names, and the ticket passenger's grant to the pass (compact form),
// which the lounge's desk passes to the entry query.
type LoungePass struct {
	Instance string `json:"instance"`
	Ticket   string `json:"ticket"`
	// Grant is the passenger's grant to the pass (its token address): the
	// ticket's status query and rebook action.
	Grant string `json:"grant"`
	// DeskGrant is the passenger's grant to the demo integration (the
	// lounge's desk): the pass's rebookHotel and watch actions.
	DeskGrant string `json:"deskGrant"`
}

// EntryArgs are the arguments of the pass's entry query.
func (p LoungePass) EntryArgs() map[string]string { return map[string]string{"grant": p.Grant} }

// issuePasses publishes the lounge-pass token, with a lounge key of the
// devnet's as issuer, and issues a pass to each of the first
// Options.LoungePasses tickets' passengers; each passenger grants the pass
// (its token address) the ticket's status query and its rebook action.
func (d *Devnet) issuePasses(ctx context.Context, tickets []Ticket) error {
	n := min(d.opts.LoungePasses, len(tickets))
	if n <= 0 {
		return nil
	}
	lounge, _, err := nodekey.LoadOrCreate(filepath.Join(d.dir, "lounge.key"))
	if err != nil {
		return err
	}
	domain := attest.NetworkDomain(d.cfgBase.Network.ChainID, common.HexToAddress(d.cfgBase.Network.EAS))
	now := time.Now()
	b, err := loungepass.Issued(lounge.ECDSA, domain, now)
	if err != nil {
		return err
	}
	pb, err := d.Client.PublishBundle(ctx, b.Files, b.Issuer)
	if err != nil {
		return fmt.Errorf("publish lounge-pass bundle: %w", err)
	}
	sch, err := attest.ParseSchema(loungepass.PassSchema)
	if err != nil {
		return err
	}
	d.Info.LoungePasses = nil
	for _, t := range tickets[:n] {
		pk, err := crypto.HexToECDSA(t.PassengerKey)
		if err != nil {
			return fmt.Errorf("ticket %s: passenger key: %w", t.Instance, err)
		}
		data, err := sch.Encode(map[string]any{"ticket": t.Instance, "lounge": "SL Lounge", "flight": t.Flight, "date": t.Date})
		if err != nil {
			return err
		}
		// The pass is the same on every start over the same tickets (its
		// time is the ticket's, its salt made of the lounge and the
		// ticket): a devnet restarted on its data finds its passes again.
		ts, err := attest.Parse(t.Attestation)
		if err != nil {
			return fmt.Errorf("ticket %s: %w", t.Instance, err)
		}
		s, err := attest.Sign(lounge.ECDSA, domain, attest.Message{Version: attest.Version2, Schema: sch.UID(common.Address{}, true),
			Recipient: crypto.PubkeyToAddress(pk.PublicKey), Time: ts.Message.Time, Revocable: true, Data: data,
			Salt: crypto.Keccak256Hash(lounge.Address().Bytes(), ts.UID[:])})
		if err != nil {
			return err
		}
		aj, err := json.Marshal(s)
		if err != nil {
			return err
		}
		if _, err := d.Client.Register(ctx, pb.Bundle, aj); err != nil {
			return fmt.Errorf("register lounge pass for %s: %w", t.Instance, err)
		}
		tid, err := attest.ParseUID(t.Instance)
		if err != nil {
			return err
		}
		g, err := attest.SignGrant(pk, domain, tid, wire.TokenAddress(wire.InstanceID(s.UID)), []string{"query:status", "action:rebook"}, now.Add(14*24*time.Hour), now)
		if err != nil {
			return err
		}
		v, err := g.EncodeURLValue()
		if err != nil {
			return err
		}
		// The pass's own actions need its holder's grant too: the
		// passenger lets the desk (the demo integration) start them.
		dg, err := attest.SignGrant(pk, domain, s.UID, d.integration.Address(), []string{"action:rebookHotel", "action:watch"}, now.Add(14*24*time.Hour), now)
		if err != nil {
			return err
		}
		dv, err := dg.EncodeURLValue()
		if err != nil {
			return err
		}
		d.Info.LoungePasses = append(d.Info.LoungePasses, LoungePass{Instance: s.UID.String(), Ticket: t.Instance, Grant: v, DeskGrant: dv})
	}
	d.progress("published the lounge pass %s and issued %d passes, each granted its ticket's status query and rebook action by the passenger, and the desk the pass's rebookHotel", pb.Bundle, n)
	return nil
}
