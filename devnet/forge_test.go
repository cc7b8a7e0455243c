package devnet

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/node"
	"github.com/smartlayer/smartlayer/nodekey"
)

// forgedTicket is a well-formed ticket signed by a key that is not the airline's.
func forgedTicket(t *testing.T, keyPath string) json.RawMessage {
	t.Helper()
	k, _, err := nodekey.LoadOrCreate(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg := node.DefaultConfig(node.RoleService)
	ts, err := IssueTickets(k, 1, 1, cfg.Network.ChainID, common.HexToAddress(cfg.Network.EAS), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return ts[0].Attestation
}

func commonHex(s string) common.Address { return common.HexToAddress(s) }
