package devnet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/smartlayer/smartlayer/node"
)

// proc is a node running as its own OS process.
type proc struct {
	cmd  *exec.Cmd
	done chan error
	cfg  node.Config
	info node.Info
	wrap []string // the command the node runs under ("ip netns exec NS")
}

// startProc writes the node's config.toml, starts `BINARY ROLE --config`
// (under wrap, with env added to this process's environment), and waits
// for the node to write its node.json.
func startProc(ctx context.Context, wrap []string, bin string, cfg node.Config, env []string) (*proc, node.Info, error) {
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
	args := append(slices.Clone(wrap), bin, string(cfg.Role), "--config", cfgPath)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, node.Info{}, fmt.Errorf("start %s: %w", bin, err)
	}
	p := &proc{cmd: cmd, done: make(chan error, 1), cfg: cfg, wrap: wrap}
	go func() { p.done <- cmd.Wait(); logf.Close() }()
	deadline := time.After(20 * time.Second)
	for {
		if b, err := os.ReadFile(infoPath); err == nil {
			var info node.Info
			if err := json.Unmarshal(b, &info); err == nil {
				p.info = info
				return p, info, nil
			}
		}
		select {
		case err := <-p.done:
			p.done <- err
			logPath := filepath.Join(cfg.DataDir, "node.log")
			return nil, node.Info{}, fmt.Errorf("node exited before it was ready (%v); see %s, which ends:\n%s", err, logPath, logTail(logPath, 2048))
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

// restart starts the node again on its data directory and on the addresses
// it listened on, so that its peers and clients find it where it was, with
// env added to this process's environment (a failpoint armed at the first
// start is not armed again unless env says so).
func (p *proc) restart(ctx context.Context, bin string, env []string) (*proc, error) {
	cfg := p.cfg
	if u, err := url.Parse(p.info.HTTP); err == nil && u.Host != "" {
		cfg.HTTP.Listen = u.Host
	}
	var listen []string
	for _, a := range p.info.P2P {
		own, _, _ := strings.Cut(a, "/p2p/")
		if !slices.Contains(listen, own) {
			listen = append(listen, own)
		}
	}
	if len(listen) > 0 {
		cfg.P2P.Listen = listen
	}
	np, _, err := startProc(ctx, p.wrap, bin, cfg, env)
	return np, err
}

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	select {
	case err := <-p.done:
		p.done <- err
		return true
	default:
		return false
	}
}

// pause stops the process (SIGSTOP): to its peers it looks cut off, and
// its connections stay open. resume lets it go on (SIGCONT).
func (p *proc) pause() error  { return p.cmd.Process.Signal(syscall.SIGSTOP) }
func (p *proc) resume() error { return p.cmd.Process.Signal(syscall.SIGCONT) }

// stop asks the node to shut down (SIGTERM) and kills it after 10 s.
func (p *proc) stop() error {
	if p.exited() {
		return nil
	}
	_ = p.resume() // a paused node cannot hear SIGTERM
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

// proc returns the process of node (role, i) on a devnet with Procs.
func (d *Devnet) proc(role node.Role, i int) (int, *proc, error) {
	if !d.opts.Procs {
		return 0, nil, errors.New("process faults need a devnet with --procs")
	}
	idx := i
	n := d.opts.Anchors
	if role == node.RoleService {
		idx, n = d.opts.Anchors+i, d.opts.Services
	}
	if i < 0 || i >= n {
		return 0, nil, fmt.Errorf("no %s %d", role, i)
	}
	return idx, d.procs[idx], nil
}

// Stop ends node (role, i) as an operator would (SIGTERM: its store
// flushed and closed); Revive starts it again.
func (d *Devnet) Stop(role node.Role, i int) error {
	_, p, err := d.proc(role, i)
	if err != nil {
		return err
	}
	return p.stop()
}

// Crash kills node (role, i) at once (SIGKILL), as a power cut or an OOM
// kill would: nothing is flushed, no peer is told.
func (d *Devnet) Crash(role node.Role, i int) error {
	_, p, err := d.proc(role, i)
	if err != nil {
		return err
	}
	return p.kill()
}

// Revive starts a crashed node (role, i) again on the same data directory
// and the same addresses.
func (d *Devnet) Revive(ctx context.Context, role node.Role, i int) error {
	return d.ReviveEnv(ctx, role, i, nil)
}

// ReviveEnv is Revive with env added to the node's environment (a crash
// test arms a failpoint: package internal/failpoint).
func (d *Devnet) ReviveEnv(ctx context.Context, role node.Role, i int, env []string) error {
	idx, p, err := d.proc(role, i)
	if err != nil {
		return err
	}
	if !p.exited() {
		return fmt.Errorf("%s %d is running", role, i)
	}
	np, err := p.restart(ctx, d.binary(), env)
	if err != nil {
		return fmt.Errorf("restart %s %d: %w", role, i, err)
	}
	d.procs[idx] = np
	return nil
}

// Exited reports whether node (role, i) of a devnet with Procs has ended
// (a crash test's failpoint killed it, say).
func (d *Devnet) Exited(role node.Role, i int) bool {
	_, p, err := d.proc(role, i)
	return err == nil && p.exited()
}

// Pause stops node (role, i) without ending it (SIGSTOP); Resume lets it
// go on. A paused node keeps its sockets: it looks like a host behind a
// partition, or one stalled in a long GC.
func (d *Devnet) Pause(role node.Role, i int) error {
	_, p, err := d.proc(role, i)
	if err != nil {
		return err
	}
	return p.pause()
}

// Resume lets a paused node go on (SIGCONT).
func (d *Devnet) Resume(role node.Role, i int) error {
	_, p, err := d.proc(role, i)
	if err != nil {
		return err
	}
	return p.resume()
}

// logTail is the last n bytes of a node's log (a node that exited early
// says why there, and the data directory may be gone when it is read).
func logTail(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > n {
		_, _ = f.Seek(st.Size()-n, io.SeekStart)
	}
	b, _ := io.ReadAll(io.LimitReader(f, n))
	return string(b)
}
