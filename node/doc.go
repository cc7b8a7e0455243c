// Package node is a Smart Layer node: the anchor and service roles wired to
// the p2p host, the store, the sandbox and the integration HTTP API.
package node
