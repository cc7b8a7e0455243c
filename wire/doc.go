// Package wire is the leaf every other package may import: the identity of
// token instances and the one canonical JSON encoding that state roots,
// transcripts and receipts hash. It imports nothing of this module.
package wire
