//go:build !race

package devnet

const raceDetector = false
