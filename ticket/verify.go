package ticket

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/tokenscript"
	"github.com/smartlayer/smartlayer/wire"
)

// ErrBadRegistration wraps every reason Verify refuses a registration.
var ErrBadRegistration = errors.New("invalid registration")

// Verify checks that a registration's attestation is a valid instance of a
// token type: parsed and signed (the UID is the instance ID), by an issuer
// of the type's instance attestation (origin), under its schema, in the
// network's EAS domain, not expired at now. It returns the ticket for the
// module's init, its data decoded by schema. Verify is pure: the time is
// an input.
func Verify(reg *wire.Registration, origin *tokenscript.AttestationDef, schema *attest.Schema, domain attest.Domain, now time.Time) (*Ticket, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrBadRegistration, fmt.Sprintf(format, a...))
	}
	if origin == nil {
		return nil, bad("bundle declares no instance attestation (<sl:instances origin=...>)")
	}
	s, err := attest.ParseJSON(reg.Attestation)
	if err != nil {
		return nil, bad("%v", err)
	}
	if err := s.Verify(); err != nil {
		return nil, bad("%v", err)
	}
	if [32]byte(s.UID) != [32]byte(reg.Instance) {
		return nil, bad("instance %s is not the attestation uid %s", reg.Instance, s.UID)
	}
	if !slices.Contains(origin.Issuers, s.Signer) {
		return nil, bad("attestation signed by %s, not by an issuer of %q", s.Signer, origin.Name)
	}
	if origin.SchemaUID != (attest.SchemaUID{}) && s.Message.Schema != origin.SchemaUID {
		return nil, bad("attestation schema %s, token wants %s", s.Message.Schema, origin.SchemaUID)
	}
	if s.Domain.ChainID == nil || domain.ChainID == nil || s.Domain.ChainID.Cmp(domain.ChainID) != 0 || s.Domain.VerifyingContract != domain.VerifyingContract {
		return nil, bad("attestation domain (chain %v, contract %s) is not this network's (chain %v, contract %s)",
			s.Domain.ChainID, s.Domain.VerifyingContract, domain.ChainID, domain.VerifyingContract)
	}
	if s.Message.ExpirationTime != 0 && s.Message.ExpirationTime < uint64(now.Unix()) {
		return nil, bad("attestation expired at %d", s.Message.ExpirationTime)
	}
	t, err := Of(s, schema)
	if err != nil {
		return nil, bad("attestation data: %v", err)
	}
	return t, nil
}
