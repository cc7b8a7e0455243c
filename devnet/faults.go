package devnet

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/token"
)

// corruptScript is the fault of Options.CorruptService: a token module
// whose applied states carry a field no honest replica has, with a
// transcript that claims them as right (a faulty or dishonest node).
type corruptScript struct{ token.Script }

func (c corruptScript) Run(ctx context.Context, call token.Call) (*token.Result, error) {
	res, err := c.Script.Run(ctx, call)
	if err != nil || (call.Kind != token.KindApply && call.Kind != token.KindFailure) {
		return res, err
	}
	st := json.RawMessage(strings.TrimSuffix(string(res.State), "}") + `,"corrupt":true}`)
	out := *res
	out.State = st
	if tr, ok := res.Transcript.(*sandbox.Transcript); ok {
		t := *tr
		t.StateAfter = sandbox.StateRoot(st)
		t.Output = st
		out.Transcript = &t
	}
	return &out, nil
}
