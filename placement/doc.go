// Package placement decides where token instances live: DHT keys from an epoch
// seed, the responsible anchor, replicas by weighted rendezvous hashing, and
// signed placement records. It does no I/O.
package placement
