package node

import (
	"encoding/json"

	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/tokenscript"
	"github.com/smartlayer/smartlayer/wire"
)

// Registration is wire.Registration.
type Registration = wire.Registration

// heartbeat is sent by every node to every anchor each interval.
type heartbeat struct {
	Member Member `json:"member"`
}

type heartbeatAck struct {
	Members []Member `json:"members"`
	// Mode and ModeRound: the network's verification mode as the anchor's
	// tally has it (service nodes show it in the routes they answer).
	Mode      string `json:"mode,omitempty"`
	ModeRound uint64 `json:"modeRound,omitempty"`
}

// replicate carries an anchor's new state to the other anchors.
type replicate struct {
	Bundles       []*tokenscript.Bundle `json:"bundles,omitempty"`
	Registrations []*Registration       `json:"registrations,omitempty"`
	Records       []*placement.Record   `json:"records,omitempty"`
	Votes         []json.RawMessage     `json:"votes,omitempty"`
	// DownVotes are the sender's votes on anchors it no longer hears.
	DownVotes []placement.DownVote `json:"downVotes,omitempty"`
}

type ack struct {
	OK bool `json:"ok"`
}

// assignItem tells a service node the current record of an instance; the node
// holds the instance if the record names it and drops it otherwise.
type assignItem struct {
	Record       *placement.Record `json:"record"`
	Registration *Registration     `json:"registration,omitempty"`
}

type assign struct {
	Items []assignItem `json:"items"`
	// Full, when set, lists every instance the sending anchor places on the
	// receiver: the receiver drops the others that anchor had placed there.
	Full   bool              `json:"full,omitempty"`
	AllIDs []wire.InstanceID `json:"allIds,omitempty"`
}

type assignAck struct {
	Applied []wire.InstanceID `json:"applied"`
	// Full: new instances the node turned down, at its cap on topics
	// followed; the anchor places them elsewhere.
	Full []wire.InstanceID `json:"full,omitempty"`
}
