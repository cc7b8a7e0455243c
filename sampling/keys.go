package sampling

import "github.com/smartlayer/smartlayer/store"

// PrefixLevel starts the keys of service levels, on anchors:
// slo/ peer -> a service node's level (placement.Level JSON).
const PrefixLevel = "slo/"

// LevelKey is the key of a service node's level, by its peer ID.
func LevelKey(peer string) []byte { return store.Key(PrefixLevel, []byte(peer)) }

// levelPeer is the peer ID of a level key.
func levelPeer(key []byte) string { return string(key[len(PrefixLevel):]) }
