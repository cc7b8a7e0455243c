// Package devchain runs a local chain for the devnet and tests:
// go-ethereum's simulated backend in this process, its JSON-RPC served over
// HTTP on loopback. It is apart from package chain so that nodes, which
// only read a chain, do not link a whole Ethereum node.
package devchain

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/node"
)

// DevChainID is the chain ID of go-ethereum's simulated backend.
const DevChainID = 1337

// Dev is a local chain: go-ethereum's simulated backend in this process,
// with its JSON-RPC served over HTTP on loopback so other processes (the
// devnet's --procs nodes, the CLI) reach it. A block is made as soon as a
// transaction is waiting, and at least once a second.
type Dev struct {
	b    *simulated.Backend
	RPC  string // http://127.0.0.1:PORT
	stop chan struct{}
	more chan *mineReq
	done sync.WaitGroup
}

// StartDev starts a chain whose genesis gives each address its balance
// (wei).
func StartDev(balances map[common.Address]*big.Int) (*Dev, error) {
	alloc := types.GenesisAlloc{}
	for a, v := range balances {
		alloc[a] = types.Account{Balance: v}
	}
	// The port is free when picked and taken a moment later: another
	// process may take it first, which the simulated backend answers with
	// a panic. Try a few.
	var b *simulated.Backend
	var port int
	var err error
	for try := 0; try < 5 && b == nil; try++ {
		if port, err = freePort(); err != nil {
			return nil, err
		}
		b, err = newBackend(alloc, port)
	}
	if b == nil {
		return nil, err
	}
	d := &Dev{b: b, RPC: fmt.Sprintf("http://127.0.0.1:%d", port), stop: make(chan struct{}), more: make(chan *mineReq)}
	d.done.Add(1)
	go d.mine()
	return d, nil
}

func newBackend(alloc types.GenesisAlloc, port int) (b *simulated.Backend, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("chain on port %d: %v", port, r)
		}
	}()
	return simulated.NewBackend(alloc, func(nc *node.Config, _ *ethconfig.Config) {
		nc.HTTPHost, nc.HTTPPort = "127.0.0.1", port
		nc.HTTPModules = []string{"eth", "net", "web3"}
		nc.HTTPVirtualHosts = []string{"localhost", "127.0.0.1"}
	}), nil
}

// Client is an in-process client of the chain.
func (d *Dev) Client() simulated.Client { return d.b.Client() }

// mine makes a block when transactions wait, and once a second anyway.
func (d *Dev) mine() {
	defer d.done.Done()
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-d.stop:
			return
		case r := <-d.more:
			if r.adjust > 0 {
				r.err = d.b.AdjustTime(r.adjust)
			}
			for i := 0; i < r.n; i++ {
				d.b.Commit()
			}
			last = time.Now()
			close(r.done)
			continue
		case <-t.C:
		}
		n, err := d.b.Client().PendingTransactionCount(context.Background())
		if err == nil && n > 0 || time.Since(last) >= time.Second {
			d.b.Commit()
			last = time.Now()
		}
	}
}

type mineReq struct {
	n      int
	adjust time.Duration // the clock moved on first
	err    error
	done   chan struct{}
}

// AdjustTime moves the chain's clock on by dur and makes a block (tests:
// a challenge window over).
func (d *Dev) AdjustTime(dur time.Duration) error {
	r := &mineReq{n: 1, adjust: dur, done: make(chan struct{})}
	select {
	case d.more <- r:
		<-r.done
		return r.err
	case <-d.stop:
		return errors.New("the chain is closed")
	}
}

// Mine makes n blocks now (tests: moving epochs on). Blocks are made by
// one goroutine only.
func (d *Dev) Mine(n int) {
	r := &mineReq{n: n, done: make(chan struct{})}
	select {
	case d.more <- r:
		<-r.done
	case <-d.stop:
	}
}

// Close stops the chain.
func (d *Dev) Close() error {
	close(d.stop)
	d.done.Wait()
	return d.b.Close()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("chain: no free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
