// Package grant is the decision whether a token owner's grant lets a call
// through: a grant attestation decoded (Parse) and checked against the
// instance, its owner, the scope the call needs and the time (Check). It
// is pure: signature and revocation checks, caching and the HTTP answers
// are the node's.
package grant

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/wire"
)

// Grant refusals beyond the attestation policy's own.
var (
	ErrMissing  = errors.New("this query needs the token owner's grant")
	ErrNotOwner = errors.New("grant not signed by the token's owner")
	ErrInstance = errors.New("grant is for another token instance")
	ErrScope    = errors.New("grant does not cover this query")
	ErrExpired  = errors.New("grant expired")
	ErrTooLarge = errors.New("grant header too large")
)

// Grant is a decoded grant attestation (schema attest.GrantSchema).
type Grant struct {
	Signer      common.Address
	UID         attest.UID
	Instance    wire.InstanceID
	Integration common.Address
	Scopes      []string
	NotAfter    time.Time
	Expires     time.Time // the attestation's own expirationTime, zero if none
}

// Parse decodes a grant attestation whose signature and schema the caller
// has checked.
func Parse(s *attest.Signed) (*Grant, error) {
	data, err := attest.GrantSchema.Schema.Decode(s.Message.Data)
	if err != nil {
		return nil, err
	}
	g := &Grant{Signer: s.Signer, UID: s.UID}
	inst, _ := data["instance"].(string)
	if g.Instance, err = wire.ParseInstanceID(inst); err != nil {
		return nil, err
	}
	integ, _ := data["integration"].(string)
	g.Integration = common.HexToAddress(integ)
	scopes, _ := data["scopes"].([]any)
	for _, sc := range scopes {
		if v, ok := sc.(string); ok {
			g.Scopes = append(g.Scopes, v)
		}
	}
	na, ok := data["notAfter"].(int64)
	if !ok {
		return nil, fmt.Errorf("%w: notAfter out of range", attest.ErrSchema)
	}
	g.NotAfter = time.Unix(na, 0)
	if s.Message.ExpirationTime != 0 {
		g.Expires = time.Unix(int64(s.Message.ExpirationTime), 0)
	}
	return g, nil
}

// Covers reports whether the grant's scopes include scope ("query:status",
// "action:rebook"): itself, its kind's wildcard or "*".
func (g *Grant) Covers(scope string) bool {
	kind, _, _ := strings.Cut(scope, ":")
	return slices.Contains(g.Scopes, scope) || slices.Contains(g.Scopes, kind+":*") || slices.Contains(g.Scopes, "*")
}

// Check returns nil when the grant, not revoked, lets a call needing scope
// on instance id, owned by owner, through at now.
func (g *Grant) Check(owner common.Address, id wire.InstanceID, scope string, now time.Time, revoked bool) error {
	switch {
	case revoked:
		return fmt.Errorf("%w: %s", attest.ErrRevoked, g.UID)
	case !now.Before(g.NotAfter) || !g.Expires.IsZero() && !now.Before(g.Expires):
		return fmt.Errorf("%w at %s", ErrExpired, g.NotAfter.UTC().Format(time.RFC3339))
	case g.Signer != owner:
		return fmt.Errorf("%w: signed by %s, owner is %s", ErrNotOwner, g.Signer, owner)
	case g.Instance != id:
		return fmt.Errorf("%w: %s", ErrInstance, g.Instance)
	case !g.Covers(scope):
		return fmt.Errorf("%w: scopes %v, needed %q", ErrScope, g.Scopes, scope)
	}
	return nil
}
