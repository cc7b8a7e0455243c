// Package failpoint lets a crash test kill a node at a named point of its
// code, the way a power cut or an OOM kill would, at the worst moment.
//
// Points are compiled in only with the build tag "failpoints" (the crash
// tests build the node binary with it); in every other build Hit is an
// empty function. A binary built with the tag arms one point from the
// environment:
//
//	SMARTLAYER_FAILPOINT=NAME[:TEXT]
//
// and the first Hit of NAME whose detail contains TEXT kills the process
// with SIGKILL: nothing is flushed or closed. The points:
//
//	crash-before-apply   attengine: an entry is in the log (stored, not
//	                     synced if it came by gossip) and not yet handed
//	                     to the node's role to apply; detail: its topic.
package failpoint

// CrashBeforeApply is the point between storing an entry and applying it.
const CrashBeforeApply = "crash-before-apply"
