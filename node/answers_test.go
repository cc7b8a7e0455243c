package node

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/transport"
)

// TestAskAnswersRefusesStrangersAndUnsteppedEntries (hostile input on
// ProtoAskAnswers): the executor publishes answers that hold no call only
// for a replica its record names, and only for an entry its history shows
// it stepped; a stranger's ask, an ask about an entry it never stepped, an
// over-long cause and an ask about an instance it does not hold make it
// publish nothing. The last ask, an honest one, shows the path works.
func TestAskAnswersRefusesStrangersAndUnsteppedEntries(t *testing.T) {
	n, lb := ticketService(t)
	replica, _ := nodekey.Generate()
	stranger, _ := nodekey.Generate()
	held := func(b byte) *instance {
		in := ticketInstance(lb, b, common.Address{b}, "BA117")
		in.Record.Executor = n.PeerID().String()
		in.Record.Replicas = []string{n.PeerID().String(), replica.PeerID().String()}
		if err := n.service.put(in); err != nil {
			t.Fatal(err)
		}
		item, _ := json.Marshal(HistoryItem{UID: "stepped"})
		if err := n.store.Put(histKey(in.ID(), 0), item); err != nil {
			t.Fatal(err)
		}
		return in
	}
	ran := func() float64 {
		return testutil.ToFloat64(n.metric.actions.WithLabelValues("answered")) +
			testutil.ToFloat64(n.metric.actions.WithLabelValues("answers-failed"))
	}
	ask := func(from *nodekey.Key, in *instance, uid string) {
		t.Helper()
		if _, err := n.service.handleAskAnswers(context.Background(), transport.PeerID(from.PeerID()), &askAnswers{Instance: in.ID(), UID: uid}); err != nil {
			t.Fatal(err)
		}
	}
	long := make([]byte, 300)
	for i := range long {
		long[i] = 's'
	}
	ask(stranger, held(1), "stepped")      // not a replica of the instance
	ask(replica, held(2), "never-stepped") // not in the executor's history
	ask(replica, held(3), string(long))    // a cause past 256 bytes
	notHeld := ticketInstance(lb, 4, common.Address{4}, "BA117")
	ask(replica, notHeld, "stepped") // an instance this node does not hold
	honest := held(5)
	ask(replica, honest, "stepped")
	// Closing waits for every answer the node started (an ask returns once
	// its answer is started): the honest one, and any hostile one.
	n.Close()
	if got := ran(); got != 1 {
		t.Fatalf("the executor answered %v asks, want the honest one alone", got)
	}
}
