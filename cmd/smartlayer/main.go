// Command smartlayer runs Smart Layer nodes, a local devnet, and the tools of
// token issuers and integrations.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// exitError carries a process exit code.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func main() {
	root := newRoot()
	if err := root.Execute(); err != nil {
		code := 1
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		}
		msg := strings.TrimSpace(err.Error())
		if msg != "" {
			fmt.Fprintln(os.Stderr, "smartlayer: "+msg)
		}
		os.Exit(code)
	}
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "smartlayer",
		Short: "Smart Layer: a decentralised network that turns smart tokens into web services",
		Long: `smartlayer runs the nodes of the Smart Layer network and the tools around it.

Token issuers publish TokenScripts; service nodes keep instances of live tokens
and run their server-side logic in a sandbox; anchors keep the DHT from token
instances to service nodes and balance load; websites query tokens over HTTP.

Start a whole local network with one command:

  smartlayer devnet`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		newNodeCmd("anchor"),
		newNodeCmd("service"),
		newDevnetCmd(),
		newKeysCmd(),
		newTokenCmd(),
		newAttestCmd(),
		newTokenScriptCmd(),
		newVoteCmd(),
		newReceiptCmd(),
		newGrantCmd(),
		newBenchCmd(),
		newSimCmd(),
		newChaosCmd(),
		newSoakCmd(),
		newChainCmd(),
		newStakeCmd(),
		newIssuerCmd(),
		newTicketCmd(),
		newChannelCmd(),
		newCommitmentCmd(),
		newVersionCmd(),
	)
	return root
}
