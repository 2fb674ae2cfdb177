// Manage HashiCorp Vault's AWS auth method client configuration.
package vaultawsauth
