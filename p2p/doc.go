// Package p2p is the network engine of a node: a go-libp2p host (TCP and
// QUIC, Noise), the Kademlia DHT under the private /smartlayer prefix, and
// size-capped JSON request/response protocols.
package p2p
