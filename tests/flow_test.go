package tests

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/vault/api"

	"github.com/vaultawsauth/pulumi-vaultawsauth/examples/go/awsauth"
)

func TestGoExample(t *testing.T) {
	t.Parallel()
	env := newStackEnv(t)
	testExample(t, env, &goDriver{env: env, project: "vaultawsauth-example-go", program: awsauth.Program})
}

func TestTypeScriptExample(t *testing.T) {
	t.Parallel()
	cache := nodeCache(t)
	env := newStackEnv(t)
	testExample(t, env, &scriptDriver{
		env:         env,
		interpreter: "node",
		script:      filepath.Join(repoRoot, "tests", "drivers", "node", "driver.js"),
		program:     filepath.Join(cache, "example", "bin", "program.js"),
		project:     "vaultawsauth-example-typescript",
		extraEnv:    []string{"NODE_PATH=" + filepath.Join(cache, "node_modules")},
	})
}

func TestPythonExample(t *testing.T) {
	t.Parallel()
	venv := filepath.Join(pythonCache(t), "venv")
	env := newStackEnv(t)
	testExample(t, env, &scriptDriver{
		env:         env,
		interpreter: filepath.Join(venv, "bin", "python"),
		script:      filepath.Join(repoRoot, "tests", "drivers", "python", "driver.py"),
		program:     filepath.Join(repoRoot, "examples", "python"),
		project:     "vaultawsauth-example-python",
	})
}

func TestYAMLExample(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := copyDir(filepath.Join(repoRoot, "examples", "yaml"), dir); err != nil {
		t.Fatal(err)
	}
	env := newStackEnv(t)
	testExample(t, env, &cliDriver{env: env, dir: dir, stack: "e2e"})
}

// testExample takes an example through its life: create, no-op, in-place update, drift found by
// refresh, destroy, then import of a mount and config made outside Pulumi. After each step no secret may show in the state or the CLI's output.
func testExample(t *testing.T, env *stackEnv, d driver) {
	mount := "example-" + randomHex(4)
	configPath := "auth/" + mount + "/config/client"
	accessKey := "AKIA" + strings.ToUpper(randomHex(8))
	secretKey := randomHex(20)
	cfg := stackConfig{
		"vaultawsauth:address": {Value: vault.Addr},
		"vaultawsauth:token":   {Value: vault.Token, Secret: true},
		"path":                 {Value: mount},
		"accessKey":            {Value: accessKey, Secret: true},
		"secretKey":            {Value: secretKey, Secret: true},
	}
	t.Cleanup(func() { _ = vault.Client.Sys().DisableAuth(mount) }) // only if the test failed half-way
	noLeaks := func() {
		t.Helper()
		env.assertNoLeaks(t, map[string]string{"accessKey": accessKey, "secretKey": secretKey, "Vault token": vault.Token})
	}

	t.Log("up creates the mount and its client config")
	res := d.run(t, "up", cfg)
	assertChanges(t, "up", res, map[string]int{"create": 3})
	if got, want := res.Outputs["clientId"], configPath; got != want {
		t.Errorf("output clientId = %v, want %q", got, want)
	}
	assertVault(t, configPath, map[string]any{"access_key": accessKey, "iam_server_id_header_value": "vault.example.com"})
	client := resourceOfType(t, env.state(t), clientType)
	for _, key := range []string{"accessKey", "secretKey"} {
		if !isSecret(client.Inputs[key]) || !isSecret(client.Outputs[key]) {
			t.Errorf("%s is not secret in the state", key)
		}
	}
	noLeaks()

	t.Log("preview of the same program shows no changes")
	res = d.run(t, "preview", cfg)
	assertChanges(t, "preview", res, map[string]int{"same": 3})
	noLeaks()

	t.Log("a changed setting is an in-place update of that property only")
	cfg["iamServerIdHeaderValue"] = configValue{Value: "login.example.org"}
	res = d.run(t, "preview", cfg)
	assertChanges(t, "preview", res, map[string]int{"same": 2, "update": 1})
	if got := diffedProperties(res.Stdout); !slices.Equal(got, []string{"iamServerIdHeaderValue"}) {
		t.Errorf("preview --diff shows changes to %v, want only [iamServerIdHeaderValue]; output:\n%s", got, res.Stdout)
	}
	res = d.run(t, "up", cfg)
	assertChanges(t, "up", res, map[string]int{"same": 2, "update": 1})
	assertVault(t, configPath, map[string]any{"access_key": accessKey, "iam_server_id_header_value": "login.example.org"})
	noLeaks()

	t.Log("refresh finds a change made behind Pulumi's back")
	if _, err := vault.Client.Logical().Write(configPath, map[string]any{
		"sts_endpoint": "https://sts.eu-west-1.amazonaws.com", "sts_region": "eu-west-1",
	}); err != nil {
		t.Fatal(err)
	}
	res = d.run(t, "refresh", cfg)
	assertChanges(t, "refresh", res, map[string]int{"same": 2, "update": 1})
	if !strings.Contains(res.Stdout, "stsRegion") {
		t.Errorf("refresh output does not name stsRegion:\n%s", res.Stdout)
	}
	client = resourceOfType(t, env.state(t), clientType)
	if got := client.Outputs["stsRegion"]; got != "eu-west-1" {
		t.Errorf("state after refresh: stsRegion = %v, want eu-west-1", got)
	}
	noLeaks()

	t.Log("destroy removes the client config and the mount")
	res = d.run(t, "destroy", cfg)
	assertChanges(t, "destroy", res, map[string]int{"delete": 3})
	mounts, err := vault.Client.Sys().ListAuth()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := mounts[mount+"/"]; ok {
		t.Errorf("auth/%s is still mounted after destroy", mount)
	}
	noLeaks()

	if imp, ok := d.(importer); ok {
		testImportAdoptsExistingObjects(t, env, imp, cfg, accessKey, secretKey, noLeaks)
	}
}

// testImportAdoptsExistingObjects runs `pulumi import` of a mount and client config made outside
// Pulumi into the example's stack, under the example's resource names: the program then matches
// them but for secretKey, which Vault never returns.
func testImportAdoptsExistingObjects(t *testing.T, env *stackEnv, d importer, cfg stackConfig, accessKey, secretKey string, noLeaks func()) {
	t.Log("import adopts a mount and client config made outside Pulumi")
	adopted := "adopted-" + randomHex(4)
	adoptedConfig := "auth/" + adopted + "/config/client"
	if err := vault.Client.Sys().EnableAuthWithOptions(adopted, &api.EnableAuthOptions{Type: "aws", Description: "AWS auth method, managed by Pulumi"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = vault.Client.Sys().DisableAuth(adopted) }) // only if the test failed half-way
	if _, err := vault.Client.Logical().Write(adoptedConfig, map[string]any{
		"access_key": accessKey, "secret_key": secretKey, "iam_server_id_header_value": "login.example.org",
	}); err != nil {
		t.Fatal(err)
	}
	cfg["path"] = configValue{Value: adopted}
	res := d.importResources(t, cfg, []importResource{
		{Type: backendType, Name: "aws-auth", ID: "auth/" + adopted},
		{Type: clientType, Name: "aws-auth-client", ID: adoptedConfig},
	})
	assertChanges(t, "import", res, map[string]int{"create": 1, "import": 2})
	client := resourceOfType(t, env.state(t), clientType)
	if !isSecret(client.Inputs["accessKey"]) || !isSecret(client.Outputs["accessKey"]) {
		t.Errorf("accessKey is not secret in the state after import")
	}
	noLeaks()

	t.Log("the program matches the import but for secretKey, which Vault never returns")
	res = d.run(t, "preview", cfg)
	assertChanges(t, "preview", res, map[string]int{"same": 2, "update": 1})
	// The stack output clientId is new too: import does not run the program.
	got := slices.DeleteFunc(diffedProperties(res.Stdout), func(name string) bool { return name == "clientId" })
	if !slices.Equal(got, []string{"secretKey"}) {
		t.Errorf("preview --diff after import shows changes to %v, want only [secretKey]; output:\n%s", got, res.Stdout)
	}
	assertChanges(t, "destroy", d.run(t, "destroy", cfg), map[string]int{"delete": 3})
	if secret, err := vault.Client.Logical().Read(adoptedConfig); err != nil || secret != nil {
		t.Errorf("after destroy, %s holds %v (%v)", adoptedConfig, secret, err)
	}
	noLeaks()
}

// assertChanges compares an operation's change summary with want.
func assertChanges(t *testing.T, op string, res opResult, want map[string]int) {
	t.Helper()
	got := map[string]int{}
	for k, n := range res.Changes {
		if n != 0 {
			got[k] = n
		}
	}
	if !mapsEqual(got, want) {
		t.Fatalf("%s: changes %v, want %v; output:\n%s", op, got, want, res.Stdout)
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// assertVault checks keys of what Vault holds at path.
func assertVault(t *testing.T, path string, want map[string]any) {
	t.Helper()
	secret, err := vault.Client.Logical().Read(path)
	if err != nil || secret == nil {
		t.Fatalf("read %s: %v (nothing there: %v)", path, err, secret == nil)
	}
	for k, v := range want {
		if secret.Data[k] != v {
			t.Errorf("Vault %s: %s = %v, want %v", path, k, secret.Data[k], v)
		}
	}
}

// A property line of `--diff` output, e.g. `      ~ iamServerIdHeaderValue: "a" => "b"`.
var diffLine = regexp.MustCompile(`(?m)^\s*(?:\+-|-\+|[-+~])\s*([A-Za-z_][A-Za-z0-9_]*):(?:\s|$)`)

// diffedProperties lists the properties that preview --diff output shows as changed.
func diffedProperties(out string) []string {
	var props []string
	for _, m := range diffLine.FindAllStringSubmatch(out, -1) {
		if !slices.Contains(props, m[1]) {
			props = append(props, m[1])
		}
	}
	slices.Sort(props)
	return props
}
