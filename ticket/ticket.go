// Package ticket makes what a token module's init receives from the
// attestation that creates its instance (for the flight ticket, the ticket
// itself): service nodes use it after verifying a registration, and
// `smartlayer tokenscript run --init` without any node.
package ticket

import "github.com/smartlayer/smartlayer/attest"

// Ticket is what a module's init receives: the instance attestation with
// its data decoded by the bundle's schema.
type Ticket struct {
	UID            string         `json:"uid"`
	Attester       string         `json:"attester"`
	Recipient      string         `json:"recipient"`
	Time           uint64         `json:"time"`
	ExpirationTime uint64         `json:"expirationTime"`
	Schema         string         `json:"schema"`
	Data           map[string]any `json:"data"`
}

// Of makes the ticket of an instance attestation, its data decoded by
// schema (nil leaves Data empty). It does not verify the attestation.
func Of(s *attest.Signed, schema *attest.Schema) (*Ticket, error) {
	t := &Ticket{
		UID: s.UID.String(), Attester: s.Signer.Hex(), Recipient: s.Message.Recipient.Hex(),
		Time: s.Message.Time, ExpirationTime: s.Message.ExpirationTime, Schema: s.Message.Schema.String(),
	}
	if schema != nil {
		var err error
		if t.Data, err = schema.Decode(s.Message.Data); err != nil {
			return nil, err
		}
	}
	return t, nil
}
