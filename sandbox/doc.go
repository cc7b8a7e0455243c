// Package sandbox runs a token's Service TokenScript module in goja, each call
// in a fresh instance of the module under limits on time, metered memory, call
// depth and the size of what goes in and out.
package sandbox
