package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/smartlayer/smartlayer/node"
)

func newNodeCmd(role string) *cobra.Command {
	var (
		cfgPath, data, httpAddr, level, seed string
		listen, bootstrap, anchors, services []string
		ethRPC, registry, tokenTypes         string
		capacity                             int
	)
	long := map[string]string{
		"anchor": `Run an anchoring node. Anchors are the small staked set that keeps the DHT of
placement records, watches service nodes through their heartbeats, places every
token instance on R service nodes by weighted rendezvous hashing, and answers
integrations' route lookups. An anchor's peer ID must be in network.anchors, and
it admits only the service nodes network.service_nodes lists (--service-nodes).`,
		"service": `Run a service node. It joins through the anchors in p2p.bootstrap, announces
its capacity and platform, heartbeats, keeps the token instances the anchors
place on it (surviving restarts) and answers token queries over HTTP.`,
	}[role]
	cmd := &cobra.Command{
		Use:   role + " [--config FILE] [flags]",
		Short: map[string]string{"anchor": "Run an anchoring node", "service": "Run a service node"}[role],
		Long: long + `

Configuration comes from the TOML file given by --config, then from flags. Every
key is checked at start and each problem is reported by its key. See
docs/configuration.md for every key and its default.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := node.DefaultConfig(node.Role(role))
			if cfgPath != "" {
				if err := node.LoadConfigFile(cfgPath, &cfg); err != nil {
					return err
				}
				if cfg.Role != node.Role(role) {
					return fmt.Errorf("config %s says role %q but the command is %q", cfgPath, cfg.Role, role)
				}
			}
			f := cmd.Flags()
			if f.Changed("data") {
				cfg.DataDir = data
			}
			if f.Changed("http") {
				cfg.HTTP.Listen = httpAddr
			}
			if f.Changed("listen") {
				cfg.P2P.Listen = listen
			}
			if f.Changed("bootstrap") {
				cfg.P2P.Bootstrap = bootstrap
			}
			if f.Changed("anchors") {
				cfg.Network.Anchors = anchors
			}
			if f.Changed("service-nodes") {
				cfg.Network.ServiceNodes = services
			}
			if f.Changed("eth-rpc") {
				cfg.Network.EthRPC = ethRPC
			}
			if f.Changed("registry") {
				cfg.Network.Registry = registry
			}
			if f.Changed("token-types") {
				cfg.Network.TokenTypes = tokenTypes
			}
			if f.Changed("epoch-seed") {
				cfg.Network.EpochSeed = seed
			}
			if f.Changed("capacity") {
				cfg.Service.Capacity = capacity
			}
			if f.Changed("log-level") {
				cfg.Log.Level = level
			}
			if err := cfg.Validate(); err != nil {
				return fmt.Errorf("invalid configuration:\n  %s", strings.ReplaceAll(err.Error(), "\n", "\n  "))
			}
			log := newLogger(cfg.Log.Level)
			n, err := node.New(cfg, log)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			n.Start(ctx)
			<-ctx.Done()
			log.Info("shutting down")
			done := make(chan error, 1)
			go func() { done <- n.Close() }()
			select {
			case err := <-done:
				return err
			case <-time.After(20 * time.Second):
				return fmt.Errorf("shutdown took longer than 20s")
			}
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfgPath, "config", "", "TOML configuration file")
	f.StringVar(&data, "data", "", "data directory: node key and store (default ./smartlayer-data)")
	f.StringVar(&httpAddr, "http", "", "HTTP listen address host:port (default 127.0.0.1:8080)")
	f.StringSliceVar(&listen, "listen", nil, "p2p listen multiaddrs (default TCP and QUIC on port 4001)")
	f.StringSliceVar(&bootstrap, "bootstrap", nil, "multiaddrs (ending /p2p/ID) of anchors to join through")
	f.StringSliceVar(&anchors, "anchors", nil, "peer IDs of the anchor set")
	if role == "anchor" {
		f.StringSliceVar(&services, "service-nodes", nil, "peer IDs of the service nodes this anchor admits, when it reads no chain")
		f.StringVar(&ethRPC, "eth-rpc", "", "the chain's JSON-RPC URL: admit the service nodes staked in --registry instead of --service-nodes")
		f.StringVar(&registry, "registry", "", "address of the Registry contract (with --eth-rpc)")
		f.StringVar(&tokenTypes, "token-types", "", "address of the TokenTypes contract: take a bundle only if its issuer registered it there (with --eth-rpc)")
	}
	f.StringVar(&seed, "epoch-seed", "", "epoch seed, 0x + 64 hex digits, the same on every node")
	f.IntVar(&capacity, "capacity", 0, "service: how many token instances this node offers to hold")
	f.StringVar(&level, "log-level", "", "debug, info, warn or error")
	return cmd
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}
