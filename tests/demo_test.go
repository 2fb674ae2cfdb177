package tests

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMakeDemo runs what `make demo` runs and checks a newcomer sees the property-level diff.
func TestMakeDemo(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("bash", filepath.Join(repoRoot, "scripts", "demo.sh"))
	cmd.Dir = repoRoot
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("scripts/demo.sh: %v\n%s", err, out)
	}
	if want := `~ iamServerIdHeaderValue: "vault.example.com" => "login.example.org"`; !strings.Contains(string(out), want) {
		t.Errorf("the demo's preview --diff does not show %s:\n%s", want, out)
	}
}
