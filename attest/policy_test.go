package attest

import (
	"errors"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

var testContract = common.HexToAddress("0xA1207F3BBa224E2c9c3c6D5aF63D0eb1582Ce587")

func signAt(t *testing.T, mut func(d *Domain, m *Message)) *Signed {
	t.Helper()
	key, _ := crypto.ToECDSA(crypto.Keccak256([]byte("policy test key")))
	d := Domain{Name: DomainName, Version: "1.3.0", ChainID: big.NewInt(1337), VerifyingContract: testContract}
	m := Message{Version: Version2, Time: 1_000_000, Schema: SchemaUID{1}, Recipient: common.Address{9}}
	if mut != nil {
		mut(&d, &m)
	}
	s, err := Sign(key, d, m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type revokedSet map[UID]bool

func (r revokedSet) Revoked(_ common.Address, uid UID) bool { return r[uid] }

func TestPolicyRefusals(t *testing.T) {
	now := time.Unix(1_000_100, 0)
	revoked := signAt(t, func(_ *Domain, m *Message) { m.Salt[0] = 1 })
	p := &Policy{
		Pins:    []Pin{{ChainID: big.NewInt(1337), Contract: testContract}},
		MaxSkew: 30 * time.Second, MaxAge: time.Hour,
		Revoked: revokedSet{revoked.UID: true},
		Replay:  NewReplayGuard(10),
	}
	bound := common.Address{9}
	other := common.Address{8}
	cases := []struct {
		name string
		s    *Signed
		use  Use
		want error
	}{
		{"ok", signAt(t, nil), Use{Schemas: []SchemaUID{{1}}, Recipient: &bound}, nil},
		{"chain", signAt(t, func(d *Domain, _ *Message) { d.ChainID = big.NewInt(1) }), Use{}, ErrDomain},
		{"contract", signAt(t, func(d *Domain, _ *Message) { d.VerifyingContract = common.Address{1} }), Use{}, ErrDomain},
		{"version", signAt(t, func(d *Domain, _ *Message) { d.Version = "9.9" }), Use{}, ErrDomain},
		{"future", signAt(t, func(_ *Domain, m *Message) { m.Time = 1_000_200 }), Use{}, ErrFuture},
		{"skew ok", signAt(t, func(_ *Domain, m *Message) { m.Time = 1_000_120 }), Use{}, nil},
		{"expired", signAt(t, func(_ *Domain, m *Message) { m.ExpirationTime = 1_000_100 }), Use{}, ErrExpired},
		{"old", signAt(t, func(_ *Domain, m *Message) { m.Time = 1_000_100 - 3601 }), Use{}, ErrTooOld},
		{"schema", signAt(t, nil), Use{Schemas: []SchemaUID{{2}}}, ErrSchemaNotAllowed},
		{"recipient", signAt(t, nil), Use{Recipient: &other}, ErrRecipient},
		{"revoked", revoked, Use{}, ErrRevoked},
		{"forged", func() *Signed { s := signAt(t, nil); s.Message.Time++; return s }(), Use{}, ErrSignerMismatch},
	}
	for _, c := range cases {
		if err := p.Check(c.s, c.use, now); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
	// One-shot: the first use passes, the replay is refused.
	s := signAt(t, func(_ *Domain, m *Message) { m.Salt[0] = 2 })
	if err := p.Check(s, Use{OneShot: true}, now); err != nil {
		t.Fatal(err)
	}
	if err := p.Check(s, Use{OneShot: true}, now); !errors.Is(err, ErrReplayed) {
		t.Fatalf("replay: %v", err)
	}
	noAge := &Policy{Pins: p.Pins, Replay: NewReplayGuard(1)}
	if err := noAge.Check(signAt(t, nil), Use{OneShot: true}, now); !errors.Is(err, ErrNoExpiry) {
		t.Fatalf("no expiry: %v", err)
	}
}

// TestReplayGuardBounded checks the guard's properties over random
// workloads: a replay is refused while remembered; nothing unexpired is
// forgotten; memory never exceeds the bound; expired entries are dropped.
func TestReplayGuardBounded(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, seed))
		const max = 50
		g := NewReplayGuard(max)
		type rec struct{ forget time.Time }
		admitted := map[UID]rec{}
		now := time.Unix(1_000_000, 0)
		for step := 0; step < 2000; step++ {
			now = now.Add(time.Duration(rng.IntN(3)) * time.Second)
			var uid UID
			uid[0], uid[1] = byte(rng.IntN(256)), byte(rng.IntN(4))
			forget := now.Add(time.Duration(1+rng.IntN(60)) * time.Second)
			err := g.Admit(common.Address{1}, uid, forget, now)
			prev, seen := admitted[uid]
			stillHeld := seen && !prev.forget.Before(now)
			switch {
			case stillHeld && !errors.Is(err, ErrReplayed):
				t.Fatalf("seed %d: replay of an unexpired entry admitted: %v", seed, err)
			case err == nil:
				admitted[uid] = rec{forget}
			case errors.Is(err, ErrReplayGuardFull):
				if g.Len() < max {
					t.Fatalf("seed %d: full at %d of %d", seed, g.Len(), max)
				}
			case errors.Is(err, ErrReplayed) && !stillHeld:
				t.Fatalf("seed %d: expired entry still refused", seed)
			}
			if g.Len() > max {
				t.Fatalf("seed %d: %d entries past the bound %d", seed, g.Len(), max)
			}
		}
	}
}
