// Package provider is the vaultawsauth Pulumi provider: Vault's AWS auth method client
// configuration as a Pulumi resource.
package provider

import (
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
)

const (
	// Name is the Pulumi package name.
	Name = "vaultawsauth"
	// GoImportBasePath is where the generated Go SDK lives.
	GoImportBasePath = "github.com/vaultawsauth/pulumi-vaultawsauth/sdk/go/vaultawsauth"
)

// Version is the provider's version, set at build time.
var Version = "0.1.0"

// New builds the provider.
func New() (p.Provider, error) {
	inner, err := infer.NewProviderBuilder().
		WithDisplayName("Vault AWS auth").
		WithDescription("Manage HashiCorp Vault's AWS auth method client configuration.").
		WithKeywords("vault", "aws", "auth", "category/utility").
		WithLicense("Apache-2.0").
		WithRepository("https://github.com/vaultawsauth/pulumi-vaultawsauth").
		WithNamespace("vaultawsauth").
		// Replaces infer's defaults whole, so respectSchemaVersion and pyproject are set again here.
		WithLanguageMap(map[string]any{
			"go": map[string]any{
				"importBasePath":                 GoImportBasePath,
				"generateResourceContainerTypes": true,
				"respectSchemaVersion":           true,
			},
			"nodejs": map[string]any{"packageName": "pulumi-vaultawsauth", "respectSchemaVersion": true},
			"python": map[string]any{
				"packageName":          "pulumi_vaultawsauth",
				"respectSchemaVersion": true,
				"pyproject":            map[string]any{"enabled": true},
			},
		}).
		// Config types live in this Go package too; keep them in the SDKs' top-level module.
		WithModuleMap(map[tokens.ModuleName]tokens.ModuleName{"provider": "index"}).
		WithConfig(infer.Config(&Config{})).
		WithResources(infer.Resource(&AuthBackend{})).
		WithWrapped(clientProvider()).
		Build()
	if err != nil {
		return p.Provider{}, err
	}
	return withEngineSeams(inner), nil
}
