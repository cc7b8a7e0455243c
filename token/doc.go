// Package token holds the identity and state of token instances: what a
// service node keeps for each smart token it serves.
package token
