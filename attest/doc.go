// Package attest reads, writes and verifies Ethereum Attestation Service (EAS)
// off-chain attestations, the input format of every Smart Layer message.
package attest
