package tests

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/vaultawsauth/pulumi-vaultawsauth/internal/vaulttest"
)

// Versions of what the TypeScript and Python drivers install into the cache. The registries
// trail the CLI (.tools/pulumi, v3.277.0) by a few releases; the Automation API only needs the
// CLI to be at least as new.
const (
	nodePulumiVersion   = "3.276.0"
	typescriptVersion   = "5.9.3"
	nodeTypesVersion    = "20.19.25"
	pythonPulumiVersion = "3.272.0"
)

var (
	vault    *vaulttest.Server
	repoRoot string // the repository, found by walking up from the package directory
	cacheDir string // <repoRoot>/.tools/e2e-cache: plugin build, npm and pip installs
)

func TestMain(m *testing.M) {
	if err := setup(); err != nil {
		fmt.Fprintf(os.Stderr, "tests: %v\n", err)
		os.Exit(1)
	}
	vaulttest.RunMain(m, &vault)
}

// setup finds the tools `make tools` builds, builds the provider plugin and puts both on PATH,
// which every CLI, node and python process the tests start inherits.
func setup() error {
	var err error
	if repoRoot, err = vaulttest.RepoRoot(); err != nil {
		return err
	}
	tools := filepath.Join(repoRoot, ".tools")
	for _, tool := range []string{"vault", "pulumi", "pulumi-language-yaml"} {
		if _, err := vaulttest.Tool(tool); err != nil {
			return err
		}
	}
	cacheDir = filepath.Join(tools, "e2e-cache")
	bin := filepath.Join(cacheDir, "bin")
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "pulumi-resource-vaultawsauth"), "./cmd/pulumi-resource-vaultawsauth")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building the provider plugin: %v\n%s", err, out)
	}
	os.Setenv("PATH", bin+string(os.PathListSeparator)+tools+string(os.PathListSeparator)+os.Getenv("PATH"))
	// The provider must get Vault's address and token from the stack config, nowhere else.
	for _, v := range []string{"VAULT_ADDR", "VAULT_TOKEN", "VAULT_NAMESPACE", "PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE_FILE"} {
		os.Unsetenv(v)
	}
	os.Setenv("PULUMI_SKIP_UPDATE_CHECK", "true")
	os.Setenv("PYTHONDONTWRITEBYTECODE", "1")
	return nil
}

// stackEnv is a private Pulumi world for one test: file backend, PULUMI_HOME and passphrase,
// plus everything the CLI printed, for the secret scan.
type stackEnv struct {
	backend string
	env     []string // KEY=VALUE, on top of the test process's environment

	mu     sync.Mutex
	output strings.Builder
}

func newStackEnv(t *testing.T) *stackEnv {
	backend, home := t.TempDir(), t.TempDir()
	return &stackEnv{
		backend: backend,
		env: []string{
			"PULUMI_BACKEND_URL=file://" + backend,
			"PULUMI_HOME=" + home,
			"PULUMI_CONFIG_PASSPHRASE=e2e-" + randomHex(8),
		},
	}
}

func (e *stackEnv) record(s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.output.WriteString(s)
	e.output.WriteString("\n")
}

// command returns a command in dir with this env; run it with e.run.
func (e *stackEnv) command(dir, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), e.env...)
	return cmd
}

// run runs cmd, records its output and fails the test if it fails. It returns stdout.
func (e *stackEnv) run(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	out, err := e.tryRun(cmd)
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
	return out
}

func (e *stackEnv) tryRun(cmd *exec.Cmd) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	e.record(stdout.String())
	e.record(stderr.String())
	if err != nil {
		return stdout.String() + stderr.String(), err
	}
	return stdout.String(), nil
}

// assertNoLeaks fails the test if any of the secrets appears in plaintext in the CLI output
// recorded so far or anywhere in the backend directory (state, backups, update history).
func (e *stackEnv) assertNoLeaks(t *testing.T, secrets map[string]string) {
	t.Helper()
	e.mu.Lock()
	output := e.output.String()
	e.mu.Unlock()
	for name, value := range secrets {
		if strings.Contains(output, value) {
			t.Errorf("%s appears in plaintext in the CLI output", name)
		}
	}
	_ = filepath.WalkDir(filepath.Join(e.backend, ".pulumi"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for name, value := range secrets {
			if bytes.Contains(data, []byte(value)) {
				t.Errorf("%s appears in plaintext in %s", name, path)
			}
		}
		return nil
	})
}

// state is the current checkpoint of the one stack in the backend.
func (e *stackEnv) state(t *testing.T) []stateResource {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(e.backend, ".pulumi", "stacks", "*", "*.json"))
	if len(files) != 1 {
		t.Fatalf("want one stack state file in %s, found %v", e.backend, files)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var checkpoint struct {
		Checkpoint struct {
			Latest struct{ Resources []stateResource }
		}
	}
	if err := json.Unmarshal(data, &checkpoint); err != nil {
		t.Fatalf("%s: %v", files[0], err)
	}
	return checkpoint.Checkpoint.Latest.Resources
}

type stateResource struct {
	URN     string         `json:"urn"`
	Type    string         `json:"type"`
	ID      string         `json:"id"`
	Inputs  map[string]any `json:"inputs"`
	Outputs map[string]any `json:"outputs"`
}

const (
	clientType  = "vaultawsauth:index:AuthBackendClient"
	backendType = "vaultawsauth:index:AuthBackend"
)

// resourceOfType returns the one resource of the given type in a state or deployment.
func resourceOfType(t *testing.T, resources []stateResource, typ string) stateResource {
	t.Helper()
	var found []stateResource
	for _, r := range resources {
		if r.Type == typ {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one %s in the state, found %d", typ, len(found))
	}
	return found[0]
}

// secretSig marks a secret value in Pulumi's state and exports.
const secretSig = "4dabf18193072939515e22adb298388d"

func isSecret(v any) bool {
	m, ok := v.(map[string]any)
	return ok && m[secretSig] != nil
}

// nodeCache returns a directory whose node_modules holds @pulumi/pulumi and the SDK in
// sdk/nodejs, compiled, and whose example/bin holds examples/typescript compiled. It is built
// once, under cacheDir, per content of those directories.
var nodeCache = cached(func() (string, error) {
	key := contentKey("node "+nodePulumiVersion+" "+typescriptVersion+" "+nodeTypesVersion, "sdk/nodejs", "examples/typescript")
	return buildOnce("node-"+key, func(dir string) error {
		if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name":"e2e-cache","private":true}`), 0o644); err != nil {
			return err
		}
		npm := func(args ...string) error {
			return runIn(dir, "npm", append([]string{"install", "--no-audit", "--no-fund", "--loglevel=error"}, args...)...)
		}
		if err := npm("typescript@"+typescriptVersion, "@types/node@"+nodeTypesVersion, "@pulumi/pulumi@"+nodePulumiVersion); err != nil {
			return err
		}
		// The SDK as its generator's build does it: tsc, then package.json next to the output.
		sdk := filepath.Join(dir, "sdk")
		tsc := filepath.Join(dir, "node_modules", ".bin", "tsc")
		if err := copyDir(filepath.Join(repoRoot, "sdk", "nodejs"), sdk); err != nil {
			return err
		}
		if err := runIn(sdk, tsc, "-p", "."); err != nil {
			return err
		}
		for _, f := range []string{"package.json", "README.md"} {
			if err := copyFile(filepath.Join(sdk, f), filepath.Join(sdk, "bin", f)); err != nil {
				return err
			}
		}
		// A copy, not a link, so the SDK shares the one @pulumi/pulumi with the driver.
		if err := npm("--install-links", "./sdk/bin"); err != nil {
			return err
		}
		example := filepath.Join(dir, "example")
		if err := copyDir(filepath.Join(repoRoot, "examples", "typescript"), example); err != nil {
			return err
		}
		return runIn(example, tsc, "-p", ".")
	})
})

// pythonCache returns a virtualenv with pulumi and the SDK in sdk/python installed.
var pythonCache = cached(func() (string, error) {
	key := contentKey("python "+pythonPulumiVersion, "sdk/python")
	return buildOnce("python-"+key, func(dir string) error {
		venv := filepath.Join(dir, "venv")
		if err := runIn(dir, "python3", "-m", "venv", venv); err != nil {
			return err
		}
		sdk := filepath.Join(dir, "sdk") // a copy: pip builds in the source tree
		if err := copyDir(filepath.Join(repoRoot, "sdk", "python"), sdk); err != nil {
			return err
		}
		python := filepath.Join(venv, "bin", "python")
		if err := runIn(dir, python, "-m", "compileall", "-q", filepath.Join(sdk, "pulumi_vaultawsauth")); err != nil {
			return err
		}
		return runIn(dir, filepath.Join(venv, "bin", "pip"), "install", "--quiet", "--disable-pip-version-check",
			"pulumi=="+pythonPulumiVersion, sdk)
	})
})

// cached memoizes build for the test run; concurrent callers wait for the first.
func cached(build func() (string, error)) func(t *testing.T) string {
	var once sync.Once
	var dir string
	var err error
	return func(t *testing.T) string {
		t.Helper()
		once.Do(func() { dir, err = build() })
		if err != nil {
			t.Fatal(err)
		}
		return dir
	}
}

// buildOnce returns cacheDir/name, building it with fill first if it is not there. fill works in
// a fresh directory that is renamed into place only when it succeeded.
func buildOnce(name string, fill func(dir string) error) (string, error) {
	final := filepath.Join(cacheDir, name)
	if exists(filepath.Join(final, ".complete")) {
		return final, nil
	}
	tmp := final + ".tmp-" + randomHex(4)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if err := fill(tmp); err != nil {
		return "", fmt.Errorf("preparing %s: %w", final, err)
	}
	if err := os.WriteFile(filepath.Join(tmp, ".complete"), nil, 0o644); err != nil {
		return "", err
	}
	os.RemoveAll(final) // an incomplete leftover
	if err := os.Rename(tmp, final); err != nil {
		return "", err
	}
	return final, nil
}

// contentKey hashes salt and every file under the given repository directories.
func contentKey(salt string, dirs ...string) string {
	h := sha256.New()
	h.Write([]byte(salt))
	for _, d := range dirs {
		_ = filepath.WalkDir(filepath.Join(repoRoot, d), func(path string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() && skipDir(e.Name()) {
				if err == nil {
					err = filepath.SkipDir
				}
				return err
			}
			if !e.IsDir() {
				data, _ := os.ReadFile(path)
				fmt.Fprintf(h, "%s %d\n", path, len(data))
				h.Write(data)
			}
			return nil
		})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// skipDir names directories of build output that never feed a build.
func skipDir(name string) bool {
	switch name {
	case "node_modules", "bin", "venv", "build", "__pycache__":
		return true
	}
	return strings.HasSuffix(name, ".egg-info")
}

func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if e.IsDir() {
			if path != src && skipDir(e.Name()) {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		return copyFile(path, filepath.Join(dst, rel))
	})
}

func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o644)
}

func runIn(dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
