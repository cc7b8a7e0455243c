// Package contracts holds the network's contracts and their Go bindings:
// the stake token (ERC-20 with votes) and the service token (ERC-20,
// burnable); Registry, where anchors and service nodes stake to join, the
// anchor set is the top stakers, unstaking waits an unbonding period and
// slashing needs evidence signed by two thirds of the anchor set's stake;
// TokenTypes, where issuers register token types with their bundle hash
// and pay rent per epoch; and Epochs, whose seeds come from the beacon
// randomness at each epoch's boundary, taken by the registry together with
// the epoch's anchor set; and FlightTickets, the example flight ticket as an
// ERC-721 token (token ID = the ticket attestation's UID = the instance ID)
// whose Transfer and FlightStatus events reach the ticket's instance; and
// Channels, the payment channels integrations pay for calls through
// (package channel signs and checks their messages); and Commitments, the
// anchors' periodic Merkle roots of key token operations.
//
// The Solidity sources are in src/, compiled by the solc that package.json
// pins (with OpenZeppelin, pinned too) into build/, and bound by
// go-ethereum's abigen (a tool of this module). `go generate
// ./contracts/...` does all of it (it needs Node.js and npm); the
// generated files are committed, and TestBindingsFresh fails when they are
// stale.
package contracts

//go:generate npm ci --no-audit --no-fund --silent
//go:generate node compile.js
//go:generate go tool abigen --abi build/StakeToken.abi --bin build/StakeToken.bin --pkg contracts --type StakeToken --out stake_token.go
//go:generate go tool abigen --abi build/ServiceToken.abi --bin build/ServiceToken.bin --pkg contracts --type ServiceToken --out service_token.go
//go:generate go tool abigen --abi build/Epochs.abi --bin build/Epochs.bin --pkg contracts --type Epochs --out epochs.go
//go:generate go tool abigen --abi build/Registry.abi --bin build/Registry.bin --pkg contracts --type Registry --out registry.go
//go:generate go tool abigen --abi build/TokenTypes.abi --bin build/TokenTypes.bin --pkg contracts --type TokenTypes --out token_types.go
//go:generate go tool abigen --abi build/FlightTickets.abi --bin build/FlightTickets.bin --pkg contracts --type FlightTickets --out flight_tickets.go
//go:generate go tool abigen --abi build/Channels.abi --bin build/Channels.bin --pkg contracts --type Channels --out channels.go
//go:generate go tool abigen --abi build/Commitments.abi --bin build/Commitments.bin --pkg contracts --type Commitments --out commitments.go
