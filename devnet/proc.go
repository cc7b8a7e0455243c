package devnet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/smartlayer/smartlayer/node"
)

// proc is a node running as its own OS process.
type proc struct {
	cmd  *exec.Cmd
	done chan error
}

// startProc writes the node's config.toml, starts `BINARY ROLE --config`,
// and waits for the node to write its node.json.
func startProc(ctx context.Context, bin string, cfg node.Config) (*proc, node.Info, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, node.Info{}, err
	}
	cfgPath := filepath.Join(cfg.DataDir, "config.toml")
	f, err := os.Create(cfgPath)
	if err != nil {
		return nil, node.Info{}, err
	}
	err = toml.NewEncoder(f).Encode(cfg)
	f.Close()
	if err != nil {
		return nil, node.Info{}, err
	}
	infoPath := filepath.Join(cfg.DataDir, node.InfoFile)
	_ = os.Remove(infoPath)
	logf, err := os.OpenFile(filepath.Join(cfg.DataDir, "node.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, node.Info{}, err
	}
	cmd := exec.Command(bin, string(cfg.Role), "--config", cfgPath)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, node.Info{}, fmt.Errorf("start %s: %w", bin, err)
	}
	p := &proc{cmd: cmd, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait(); logf.Close() }()
	deadline := time.After(20 * time.Second)
	for {
		if b, err := os.ReadFile(infoPath); err == nil {
			var info node.Info
			if err := json.Unmarshal(b, &info); err == nil {
				return p, info, nil
			}
		}
		select {
		case err := <-p.done:
			p.done <- err
			return nil, node.Info{}, fmt.Errorf("node exited before it was ready (%v); see %s", err, filepath.Join(cfg.DataDir, "node.log"))
		case <-deadline:
			_ = p.kill()
			return nil, node.Info{}, fmt.Errorf("node not ready within 20s; see %s", filepath.Join(cfg.DataDir, "node.log"))
		case <-ctx.Done():
			_ = p.kill()
			return nil, node.Info{}, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stop asks the node to shut down (SIGTERM) and kills it after 10 s.
func (p *proc) stop() error {
	if p.cmd.ProcessState != nil {
		return nil
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.done <- err
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("node %d: %w", p.cmd.Process.Pid, err)
		}
		return nil
	case <-time.After(10 * time.Second):
		return p.kill()
	}
}

// kill ends the node at once (SIGKILL).
func (p *proc) kill() error {
	_ = p.cmd.Process.Kill()
	err := <-p.done
	p.done <- err
	return nil
}
