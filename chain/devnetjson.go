package chain

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
)

// maxDevnetJSON caps the devnet.json read: a devnet's is some tens of KiB.
const maxDevnetJSON = 16 << 20

// ReadDevnetChain reads the chain section of a devnet's devnet.json file:
// the chain's JSON-RPC URL and its contracts.
func ReadDevnetChain(path string) (string, Contracts, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", Contracts{}, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxDevnetJSON+1))
	if err != nil {
		return "", Contracts{}, err
	}
	rpc, cs, err := DevnetChain(b)
	if err != nil {
		return "", Contracts{}, fmt.Errorf("%s: %w", path, err)
	}
	return rpc, cs, nil
}

// DevnetChain reads the chain section of devnet.json's bytes. The URL must
// be an absolute URL or an IPC path.
func DevnetChain(b []byte) (string, Contracts, error) {
	if len(b) > maxDevnetJSON {
		return "", Contracts{}, fmt.Errorf("more than %d bytes: not a devnet.json", maxDevnetJSON)
	}
	var info struct {
		Chain *struct {
			RPC       string    `json:"rpc"`
			Contracts Contracts `json:"contracts"`
		} `json:"chain"`
	}
	if err := json.Unmarshal(b, &info); err != nil {
		return "", Contracts{}, err
	}
	if info.Chain == nil {
		return "", Contracts{}, errors.New("no chain in it (a devnet started with --chain=false)")
	}
	rpc := info.Chain.RPC
	if u, err := url.Parse(rpc); rpc == "" || err != nil || u.Scheme == "" && (len(rpc) == 0 || rpc[0] != '/') {
		return "", Contracts{}, fmt.Errorf("chain.rpc %q: want a URL (http, https, ws) or an IPC path", rpc)
	}
	return rpc, info.Chain.Contracts, nil
}
