// Package layering holds tests of the project's structure: package docs and
// the imports the pure cores may not have.
package layering
