package api

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/smartlayer/smartlayer/executor"
	"github.com/smartlayer/smartlayer/sandbox"
)

// Every problem code of the table is documented in docs/api.md, a family's
// rows do not repeat an error, and wrapped errors find their row.
func TestProblemTable(t *testing.T) {
	api, err := os.ReadFile("../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, fam := range [][]problem{scriptProblems, actionProblems, grantProblems, channelProblems, commitmentProblems,
		{scriptFallback, actionFallback, grantFallback}} {
		seen := map[error]bool{}
		for _, p := range fam {
			if !strings.Contains(string(api), "`"+p.code+"`") {
				t.Errorf("problem code %q is not in docs/api.md", p.code)
			}
			if p.err != nil && seen[p.err] {
				t.Errorf("%v listed twice", p.err)
			}
			seen[p.err] = true
		}
	}
	wrapped := fmt.Errorf("call: %w", sandbox.ErrTimeout)
	if s, c := ActionStatus(wrapped); s != http.StatusGatewayTimeout || c != "script-timeout" {
		t.Errorf("a wrapped script timeout in an action: %d %s", s, c)
	}
	if s, c := ActionStatus(errors.New("disk full")); s != http.StatusServiceUnavailable || c != "action-not-published" {
		t.Errorf("an action's other error: %d %s", s, c)
	}
	if s, c := ActionStatus(fmt.Errorf("x: %w", executor.ErrNotExecutor)); s != http.StatusMisdirectedRequest || c != "not-executor" {
		t.Errorf("not the executor: %d %s", s, c)
	}
}
