// Package wire is the leaf every other package may import: the identity of
// token instances, the one canonical JSON encoding that state roots,
// transcripts and receipts hash, and the HTTP API's JSON types, header names
// and topic builders that nodes, the Go client and the tools share. It
// imports nothing of this module.
package wire
