// Package tokenscript reads TokenScript files and token bundles: the XML that
// describes a smart token and the Service TokenScript module that runs it.
package tokenscript
