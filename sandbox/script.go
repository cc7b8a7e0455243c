package sandbox

import (
	"context"

	"github.com/smartlayer/smartlayer/token"
)

// TokenScript adapts a module to the token core's Script: the core's calls
// run here with the time they carry, and each result's transcript is a
// *Transcript.
func TokenScript(m *Module) token.Script { return tokenScript{m} }

type tokenScript struct{ m *Module }

func (ts tokenScript) Run(ctx context.Context, c token.Call) (*token.Result, error) {
	env := Env{Instance: c.Instance.String(), Now: c.Now}
	if c.Kind == token.KindInit {
		st, err := ts.m.Init(ctx, c.Args, env)
		return &token.Result{State: st}, err
	}
	res, err := ts.m.Run(ctx, Call{Kind: Kind(c.Kind), Name: c.Name, State: c.State, Args: c.Args, Env: env})
	if err != nil {
		return nil, err
	}
	return &token.Result{State: res.State, Output: res.Output, Transcript: res.Transcript}, nil
}

func (ts tokenScript) HasFailed() bool             { return ts.m.HasFailed() }
func (ts tokenScript) HasTrigger(name string) bool { return ts.m.HasTrigger(name) }
