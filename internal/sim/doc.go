// Package sim is a deterministic simulation of a whole Smart Layer network:
// the real cores of every anchor and service node (placement.Plan and its
// re-plans after churn, attlog's per-stream ordering with gap repair and
// anti-entropy, token.Step applying statuses, results and failures,
// triggers, executor election and failover) on an in-memory network with a
// virtual clock. One seed drives latencies, loss, partitions, crashes and
// restarts; the same seed gives the same report byte for byte.
//
// Modelled rather than run, because they exist only over libp2p or as
// JavaScript: record lookup is Kademlia over the DHT's members (k-buckets,
// alpha parallel queries; kad.go), gossip is GossipSub-like random
// forwarding to Degree peers among a topic's subscribers (a fresh sample
// per message, not a maintained mesh), heartbeats are a failure detector
// (a node is seen down DownAfter after it stops, up one interval after it
// returns), and the flight ticket's module is its native model
// (examples/flight-ticket/model). Signatures on log entries are not made:
// the shells verify them, the cores never do.
package sim
