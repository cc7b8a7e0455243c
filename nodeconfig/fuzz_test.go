package nodeconfig

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzConfigFile: any file given as a node's configuration loads and
// validates without a panic: each problem is an error naming its key.
func FuzzConfigFile(f *testing.F) {
	f.Add([]byte("role = \"service\"\n[network]\nanchors = [\"16Uiu2HAm9MmAwiJgRxtPFbg52mWD1QUQraMWmQWoZSUKcyokd16F\"]\nepoch_seed = \"0x" + "11111111111111111111111111111111" + "11111111111111111111111111111111" + "\"\n"))
	f.Add([]byte("[network]\neth_rpc = \"http://127.0.0.1:8545\"\nregistry = \"0x00000000000000000000000000000000000000aa\"\nconfirmations = 99999999999\n"))
	f.Add([]byte("[http]\nmax_conns = -1\n[sandbox]\ntimeout = \"-5s\"\n"))
	f.Add([]byte("x = [[[[\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(dir, "node.toml")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		c := Default(RoleService)
		if Load(p, &c) != nil {
			return
		}
		_ = c.Validate()
	})
}
