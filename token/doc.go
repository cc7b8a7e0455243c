// Package token is the core of one token instance: its state, history,
// pending and done actions and stream offsets, driven like etcd-raft's
// RawNode. The shell (package node) hands Step one event at a time (a log
// entry the instance follows, which may be one of its own action results or
// an anchor's failure attestation; a newer placement record; a
// registration), and Step returns a Ready: the instance after the event, the
// history item to append, the actions triggers started and the transcripts
// to keep for sampling. Step does no I/O and reads no clock: the token's
// script runs behind the Script interface (package sandbox adapts to it),
// and every time it sees is an attestation's or a record's.
//
// A flight-status attestation reaches Step as an Event{Entry}; Step finds
// the subscription its topic serves, checks the issuer, runs the module's
// apply with the attestation's time, evaluates the triggers over the change
// and returns the new state in its canonical encoding (wire.Canonical).
package token
