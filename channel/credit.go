package channel

import (
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/attest"
)

// A payer need not sign a promise for every call. Between two promises it
// may send calls on credit, each with a Credit instead of a promise: the
// channel, a nonce of the same sequence as the promises', and an
// HMAC-SHA256 under a key only the payer and the channel's anchor hold
// (ECDH of their secp256k1 keys, CreditKey) over the channel, the nonce,
// the call and its price. Its next promise covers them (a promise's
// cumulative amount is everything owed, these calls with it). The node
// serving a call on credit cannot check that MAC: it lets the call through
// only when the request itself is proved by the payer (a signature, or a
// MAC of the session the payer holds with that node), the nonce is new,
// the charges stay within the deposit, and the node took a promise of the
// payer's and at most CreditCalls calls of this price on credit since.
// The anchor checks the MAC, and the same bound on the node's stream,
// before it counts the call for the node: a node cannot claim a call on
// credit the payer did not make, nor change its price or its token. A
// signature (tens of microseconds) is then paid once a promise, a MAC (a
// microsecond) once a call; what the network risks on a payer that never
// covers its calls is CreditCalls calls at each node that took a promise
// of its.

// CreditCalls bounds the calls on credit a node takes between two promises
// it takes: at most this many times a call's price.
const CreditCalls = 64

// Credit is a call on credit, in its header form
// "c;channel;nonce;price;0xmac": the price is the one the payer MAC'd, so a
// node asking another refuses the call (402 with its price) rather than
// serve one the anchor would not count.
type Credit struct {
	Channel uint64
	Nonce   uint64
	Price   uint64
	MAC     []byte // 32 bytes
}

const creditDomain = "smartlayer/credit/v1"

// CreditKey is the key a payer and a channel's anchor share, from one's
// private key and the other's public key (the same from either side).
func CreditKey(priv *ecdsa.PrivateKey, pub *ecdsa.PublicKey) ([32]byte, error) {
	return attest.SharedKey(creditDomain, priv, pub)
}

// CreditMAC is the payer's MAC of a call on credit: the channel, the
// nonce, the price and the call (its instance and "query:NAME" or
// "action:NAME").
func CreditMAC(key [32]byte, channel, nonce, price uint64, instance, call string) []byte {
	m := hmac.New(sha256.New, key[:])
	var b [24]byte
	binary.BigEndian.PutUint64(b[0:], channel)
	binary.BigEndian.PutUint64(b[8:], nonce)
	binary.BigEndian.PutUint64(b[16:], price)
	m.Write([]byte(creditDomain))
	m.Write(b[:])
	m.Write([]byte(instance))
	m.Write([]byte{0})
	m.Write([]byte(call))
	return m.Sum(nil)
}

// SignCredit is the payer's credit for one call.
func SignCredit(key [32]byte, channel, nonce, price uint64, instance, call string) Credit {
	return Credit{Channel: channel, Nonce: nonce, Price: price, MAC: CreditMAC(key, channel, nonce, price, instance, call)}
}

// Valid reports whether c is the payer's credit for this call at its
// price, under the key the anchor shares with the payer.
func (c Credit) Valid(key [32]byte, instance, call string) bool {
	return hmac.Equal(c.MAC, CreditMAC(key, c.Channel, c.Nonce, c.Price, instance, call))
}

// Header is the credit's X-Smartlayer-Payment form.
func (c Credit) Header() string {
	return fmt.Sprintf("c;%d;%d;%d;0x%s", c.Channel, c.Nonce, c.Price, hex.EncodeToString(c.MAC))
}

// IsCredit reports whether a payment header is a credit's form rather than
// a promise's.
func IsCredit(h string) bool { return strings.HasPrefix(h, "c;") }

// ParseCredit reads a credit's header form, bounded before it allocates.
func ParseCredit(h string) (Credit, error) {
	if len(h) > MaxHeader {
		return Credit{}, fmt.Errorf("%w: longer than %d bytes", ErrMalformed, MaxHeader)
	}
	parts := strings.Split(h, ";")
	if len(parts) != 5 || parts[0] != "c" {
		return Credit{}, fmt.Errorf("%w: want c;channel;nonce;price;mac", ErrMalformed)
	}
	parts = parts[1:]
	var c Credit
	var err error
	if c.Channel, err = strconv.ParseUint(parts[0], 10, 64); err != nil || c.Channel == 0 {
		return Credit{}, fmt.Errorf("%w: channel %q", ErrMalformed, parts[0])
	}
	if c.Nonce, err = strconv.ParseUint(parts[1], 10, 64); err != nil {
		return Credit{}, fmt.Errorf("%w: nonce %q", ErrMalformed, parts[1])
	}
	if c.Price, err = strconv.ParseUint(parts[2], 10, 64); err != nil || c.Price == 0 {
		return Credit{}, fmt.Errorf("%w: price %q", ErrMalformed, parts[2])
	}
	if c.MAC, err = fixedHex(parts[3], 32, "MAC"); err != nil {
		return Credit{}, err
	}
	return c, nil
}

// Accept takes a promise that pays for no call of its own, signed by signer
// (recovered by the caller): the payer's promise covering its calls on
// credit when it has no call to send it with. It refuses a promise of
// another channel or signer, a spent nonce and a closed channel; a promise
// no higher than the best changes nothing but spends its nonce.
func (a *Account) Accept(p Promise, signer common.Address) error {
	if err := a.payers(p, signer); err != nil {
		return err
	}
	switch {
	case a.Spent(p.Nonce):
		return fmt.Errorf("%w: nonce %d on channel %d", ErrReplayed, p.Nonce, a.Channel)
	case a.Closed:
		return fmt.Errorf("%w: channel %d", ErrClosed, a.Channel)
	}
	a.raise(p)
	a.spend(p.Nonce)
	return nil
}

// PayCredit charges one call on credit, at its price, served by node, for
// the payer (whom the caller proved: the node by the request's proof, the
// anchor by the credit's MAC). It refuses a spent nonce, a closed channel,
// a call after which the charges pass the deposit, and one past
// CreditCalls calls of its price on credit at node since the last promise
// node took (none before node took one). Each node's stream of promises and
// credits reaches the anchor in the order the node took them, so the anchor
// decides as the node did.
func (a *Account) PayCredit(c Credit, node common.Address) error {
	if c.Channel != a.Channel {
		return fmt.Errorf("%w: %d, not %d", ErrOtherChannel, c.Channel, a.Channel)
	}
	if err := a.covers(c.Nonce, nil, c.Price, node); err != nil {
		return err
	}
	had := a.Credit[node]
	if had == nil {
		return fmt.Errorf("%w: node %s took no promise of the payer's on channel %d yet: send one", ErrInsufficient, node, a.Channel)
	}
	next := new(big.Int).Add(had, new(big.Int).SetUint64(c.Price))
	limit := new(big.Int).Mul(new(big.Int).SetUint64(c.Price), big.NewInt(CreditCalls))
	if next.Cmp(limit) > 0 {
		return fmt.Errorf("%w: node %s took %s on credit since the last promise it took; calls on credit go at most %d calls beyond it", ErrInsufficient, node, had, CreditCalls)
	}
	a.charge(c.Nonce, c.Price, node)
	a.Credit[node] = next
	a.Credited = true
	return nil
}
