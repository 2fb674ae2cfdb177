package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestPluginLinksNoTestOrToolPackages keeps the plugin lean: what tests and tools use must not
// reach the binary through an import.
func TestPluginLinksNoTestOrToolPackages(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	banned := []string{
		"testing",
		"github.com/stretchr/testify",
		"github.com/vaultawsauth/pulumi-vaultawsauth/internal/vaulttest",
		"github.com/pulumi/pulumi-go-provider/integration",
		"github.com/pulumi/pulumi/sdk/v3/go/auto",
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, b := range banned {
			if pkg == b || strings.HasPrefix(pkg, b+"/") {
				t.Errorf("the plugin links %s", pkg)
			}
		}
	}
}
