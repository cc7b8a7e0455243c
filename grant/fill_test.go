package grant

import (
	"errors"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// TestOwnersCannotFillNonces: twenty owners of tokens of an attacker's own,
// each signing its own calls within its quota (with times a minute ahead,
// kept the longest), fill MaxNonces; an honest integration's call is still
// taken, and the twenty are held to their share. (Ten owners filled the whole
// set and every honest call was refused for two minutes.)
func TestOwnersCannotFillNonces(t *testing.T) {
	n := NewNonces()
	now := time.Unix(1_800_000_000, 0)
	var i uint64
	const each = MaxNoncesPerSigner / 2 // within each owner's quota
	for o := 0; o < MaxNonces/each; o++ {
		owner := common.Address{byte(o + 1)}
		for j := 0; j < each; j++ {
			i++
			p := &Proof{TimeMs: now.Add(59 * time.Second).UnixMilli()}
			p.Nonce[0], p.Nonce[1], p.Nonce[2], p.Nonce[3] = byte(i), byte(i>>8), byte(i>>16), byte(i>>24)
			if err := n.Use(owner, owner, p, now); err != nil {
				t.Fatalf("owner %d call %d: %v", o, j, err)
			}
		}
	}
	honest := common.Address{0xaa}
	p := &Proof{TimeMs: now.Add(10 * time.Second).UnixMilli()}
	if err := n.Use(honest, common.Address{0xbb}, p, now.Add(10*time.Second)); err != nil {
		t.Fatalf("an honest caller with the set full of twenty owners' calls: %v", err)
	}
	more := &Proof{TimeMs: now.Add(10 * time.Second).UnixMilli()}
	more.Nonce[15] = 1
	if err := n.Use(common.Address{1}, common.Address{1}, more, now.Add(10*time.Second)); !errors.Is(err, ErrNonceCacheFull) {
		t.Fatalf("an owner past its share with the set full: %v", err)
	}
}

// TestOwnersCannotFillNoncesWithManyKeys: the same set filled by ten
// owners each granting 20,000 keys that sign one call each: the share is
// counted by owner (the signers are as many as an owner makes keys), so an
// honest call still goes on. (A share counted over every address fell to
// 0 and refused everyone.)
func TestOwnersCannotFillNoncesWithManyKeys(t *testing.T) {
	n := NewNonces()
	now := time.Unix(1_800_000_000, 0)
	var i uint32
	for o := 0; o < MaxNonces/MaxNoncesPerSigner; o++ {
		owner := common.Address{0xee, byte(o + 1)}
		for j := 0; j < MaxNoncesPerSigner; j++ {
			i++
			var signer common.Address
			signer[0], signer[1], signer[2], signer[3], signer[19] = byte(i), byte(i>>8), byte(i>>16), byte(i>>24), 0x55
			p := &Proof{TimeMs: now.Add(59 * time.Second).UnixMilli()}
			if err := n.Use(signer, owner, p, now); err != nil {
				t.Fatalf("owner %d key %d: %v", o, j, err)
			}
		}
	}
	p := &Proof{TimeMs: now.Add(10 * time.Second).UnixMilli()}
	if err := n.Use(common.Address{0xaa}, common.Address{0xbb}, p, now.Add(10*time.Second)); err != nil {
		t.Fatalf("an honest caller with the set full of ten owners' keys' calls: %v", err)
	}
}
