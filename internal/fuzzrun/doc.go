// Package fuzzrun holds one test: it runs the fuzz targets of the module
// for a short while (SMARTLAYER_FUZZTIME, 300 executions by default), so the suite
// (the README's test command) fuzzes the decoders of outside input on
// every run, besides replaying the seed corpora as every test run does.
package fuzzrun
