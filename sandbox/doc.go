// Package sandbox runs a token's Service TokenScript module in pooled goja
// runtimes with limits on time, call depth and the size of what goes in and out.
package sandbox
