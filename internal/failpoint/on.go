//go:build failpoints

package failpoint

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
)

var armed = sync.OnceValues(func() (string, string) {
	name, text, _ := strings.Cut(os.Getenv("SMARTLAYER_FAILPOINT"), ":")
	return name, text
})

// Hit kills the process (SIGKILL) if the armed point is name and detail
// contains its text.
func Hit(name, detail string) {
	n, text := armed()
	if n == "" || n != name || !strings.Contains(detail, text) {
		return
	}
	fmt.Fprintf(os.Stderr, "failpoint %s (%s): killing this process\n", name, detail)
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {} // the signal is on its way
}
