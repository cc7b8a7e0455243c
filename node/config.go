package node

import (
	"github.com/smartlayer/smartlayer/nodeconfig"
)

// A node's configuration is package nodeconfig's; these names keep the
// node's callers short.
type (
	Config   = nodeconfig.Config
	Role     = nodeconfig.Role
	Duration = nodeconfig.Duration
)

// The two node roles.
const (
	RoleAnchor  = nodeconfig.RoleAnchor
	RoleService = nodeconfig.RoleService
)

// DefaultConfig returns the defaults every field falls back to.
func DefaultConfig(role Role) Config { return nodeconfig.Default(role) }

// LoadConfigFile reads a TOML file over the defaults. Unknown keys are errors.
func LoadConfigFile(path string, c *Config) error { return nodeconfig.Load(path, c) }
