// Package attlog is the ordered attestation log: per (topic, publisher)
// streams of signed entries chained by sequence number and previous hash,
// delivered strictly in order, with gaps and forks detected. It does no I/O:
// storage is an interface and time is an argument.
package attlog
