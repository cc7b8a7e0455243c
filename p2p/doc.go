// Package p2p is the libp2p implementation of transport.Transport: a
// go-libp2p host (TCP and QUIC, Noise), GossipSub v1.1 with peer scoring,
// the Kademlia DHT under the private /smartlayer prefix for records, and
// size-capped framed request/response streams.
package p2p
