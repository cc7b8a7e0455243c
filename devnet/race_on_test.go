//go:build race

package devnet

// raceDetector: the tests run under -race, where every goja instruction and
// map access is instrumented; scale tests send fewer messages.
const raceDetector = true
