// Package tests runs the examples in ../examples (Go, TypeScript, Python, YAML) end to end
// against a real Vault dev server, through the Pulumi CLI and the provider plugin, and checks
// that no secret reaches the state or the CLI's output. See README.md.
package tests
