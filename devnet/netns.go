package devnet

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"strings"

	"github.com/smartlayer/smartlayer/node"
)

// netLab gives each node of a process devnet its own Linux network
// namespace, as if each ran on a host of its own: a veth pair per node,
// its host end on one bridge, which also carries an address for this
// process (the clients, the demo hotel). Cutting a node off sets its
// link down: its connections stall, as behind a real partition, and no
// one can reach it nor it anyone. It needs root and iproute2.
type netLab struct {
	id      string // in every name, so that runs side by side do not meet
	net     string // "10.N": a /16 of its own
	bridge  string
	gateway string // this process's address on the bridge
	nodes   map[int]labNode
}

type labNode struct {
	ns, veth, ip string
}

// NetnsAvailable says why network namespaces cannot be made here, or nil.
func NetnsAvailable() error {
	if os.Geteuid() != 0 {
		return errors.New("network namespaces need root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return errors.New("network namespaces need iproute2's ip command (apt-get install iproute2)")
	}
	var b [3]byte
	_, _ = rand.Read(b[:])
	ns := "sl-probe-" + hex.EncodeToString(b[:])
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		return fmt.Errorf("ip netns add: %v: %s", err, strings.TrimSpace(string(out)))
	}
	_ = exec.Command("ip", "netns", "del", ns).Run()
	return nil
}

func ipCmd(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// newNetLab makes the bridge, on a 10.N.0.0/16 no address of this host is in.
func newNetLab() (*netLab, error) {
	if err := NetnsAvailable(); err != nil {
		return nil, err
	}
	var b [2]byte
	_, _ = rand.Read(b[:])
	l := &netLab{id: hex.EncodeToString(b[:]), nodes: map[int]labNode{}}
	out, _ := exec.Command("ip", "-o", "addr").Output()
	for try := 0; ; try++ {
		l.net = fmt.Sprintf("10.%d", 100+mrand.IntN(150))
		if !strings.Contains(string(out), " "+l.net+".") {
			break
		}
		if try == 50 {
			return nil, errors.New("no free 10.N.0.0/16 for the devnet's bridge")
		}
	}
	l.bridge, l.gateway = "slbr"+l.id, l.net+".0.1"
	if err := ipCmd("link", "add", l.bridge, "type", "bridge"); err != nil {
		return nil, err
	}
	if err := ipCmd("addr", "add", l.gateway+"/16", "dev", l.bridge); err != nil {
		l.close()
		return nil, err
	}
	if err := ipCmd("link", "set", l.bridge, "up"); err != nil {
		l.close()
		return nil, err
	}
	return l, nil
}

// add makes node idx's namespace, its link to the bridge and its address.
func (l *netLab) add(idx int) (labNode, error) {
	n := labNode{ns: fmt.Sprintf("sl-%s-%d", l.id, idx), veth: fmt.Sprintf("sl%sv%d", l.id, idx), ip: fmt.Sprintf("%s.%d.%d", l.net, (idx+2)/256, (idx+2)%256)}
	steps := [][]string{
		{"netns", "add", n.ns},
		{"link", "add", n.veth, "type", "veth", "peer", "name", "eth0", "netns", n.ns},
		{"link", "set", n.veth, "master", l.bridge, "up"},
		{"-n", n.ns, "addr", "add", n.ip + "/16", "dev", "eth0"},
		{"-n", n.ns, "link", "set", "eth0", "up"},
		{"-n", n.ns, "link", "set", "lo", "up"},
	}
	for _, s := range steps {
		if err := ipCmd(s...); err != nil {
			return n, err
		}
	}
	l.nodes[idx] = n
	return n, nil
}

// cut takes node idx off the network; heal puts it back.
func (l *netLab) cut(idx int) error  { return ipCmd("link", "set", l.nodes[idx].veth, "down") }
func (l *netLab) heal(idx int) error { return ipCmd("link", "set", l.nodes[idx].veth, "up") }

// close removes the namespaces (their veth pairs go with them) and the
// bridge.
func (l *netLab) close() error {
	var errs []error
	for _, n := range l.nodes {
		if err := ipCmd("netns", "del", n.ns); err != nil {
			errs = append(errs, err)
		}
	}
	if err := ipCmd("link", "del", l.bridge); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Partition cuts node (role, i) of a devnet with Netns off the network:
// its link goes down, its process keeps running.
func (d *Devnet) Partition(role node.Role, i int) error {
	idx, _, err := d.proc(role, i)
	if err != nil {
		return err
	}
	if d.lab == nil {
		return errors.New("partitions need a devnet with network namespaces (Netns)")
	}
	return d.lab.cut(idx)
}

// Reconnect ends node (role, i)'s partition.
func (d *Devnet) Reconnect(role node.Role, i int) error {
	idx, _, err := d.proc(role, i)
	if err != nil {
		return err
	}
	if d.lab == nil {
		return errors.New("partitions need a devnet with network namespaces (Netns)")
	}
	return d.lab.heal(idx)
}
