package tests

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// A driver runs one example program on one stack, one operation at a time. The flow logic is
// in Go (flow_test.go); a driver only gets the operation done in its language's way.
type driver interface {
	// run sets the stack config to cfg, then runs op: "up", "preview" (with --diff), "refresh"
	// or "destroy". It fails the test if the operation fails.
	run(t *testing.T, op string, cfg stackConfig) opResult
}

// An importer can also run `pulumi import`. Only the CLI driver can: the command loads the
// project's language host, and only YAML's is installable here. (The `import` resource option
// cannot adopt the examples' client either: they set secretKey, which Vault never returns, so
// the engine refuses the import as not matching.)
type importer interface {
	driver
	// importResources sets the stack config to cfg and adopts existing objects into the stack,
	// without generating code.
	importResources(t *testing.T, cfg stackConfig, resources []importResource) opResult
}

// importResource is an object that exists in Vault, for import to adopt under a name.
type importResource struct {
	Type string `json:"type"`
	Name string `json:"name"`
	ID   string `json:"id"`
}

// An exporter can also return the resources of its stack's `pulumi stack export`.
type exporter interface {
	driver
	export(t *testing.T) []stateResource
}

type stackConfig map[string]configValue

type configValue struct {
	Value  string `json:"value"`
	Secret bool   `json:"secret"`
}

// opResult is what an operation reported. The TypeScript and Python drivers print it as JSON.
type opResult struct {
	Stdout  string         `json:"stdout"`  // the CLI's output, as a user sees it
	Changes map[string]int `json:"changes"` // e.g. {"create": 3}, from the engine's summary
	Outputs map[string]any `json:"outputs"` // stack outputs, after "up" only
}

// goDriver runs a Go program in-process with the Automation API.
type goDriver struct {
	env     *stackEnv
	project string
	program pulumi.RunFunc
	stack   *auto.Stack
}

// configure selects the stack, creating it the first time, and sets its config to cfg.
func (d *goDriver) configure(t *testing.T, cfg stackConfig) {
	t.Helper()
	ctx := context.Background()
	if d.stack == nil {
		env := map[string]string{}
		for _, kv := range d.env.env {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		s, err := auto.UpsertStackInlineSource(ctx, "e2e", d.project, d.program, auto.WorkDir(t.TempDir()), auto.EnvVars(env))
		if err != nil {
			t.Fatal(err)
		}
		d.stack = &s
	}
	values := auto.ConfigMap{}
	for k, v := range cfg {
		values[k] = auto.ConfigValue{Value: v.Value, Secret: v.Secret}
	}
	if err := d.stack.SetAllConfig(ctx, values); err != nil {
		t.Fatal(err)
	}
}

func (d *goDriver) run(t *testing.T, op string, cfg stackConfig) opResult {
	t.Helper()
	d.configure(t, cfg)
	ctx := context.Background()
	var res opResult
	var err error
	switch op {
	case "up":
		var r auto.UpResult
		if r, err = d.stack.Up(ctx, optup.Color("never")); err == nil {
			res = opResult{Stdout: r.StdOut + r.StdErr, Changes: *r.Summary.ResourceChanges, Outputs: map[string]any{}}
			for k, v := range r.Outputs {
				res.Outputs[k] = v.Value
			}
		}
	case "preview":
		var r auto.PreviewResult
		if r, err = d.stack.Preview(ctx, optpreview.Diff(), optpreview.Color("never")); err == nil {
			res = opResult{Stdout: r.StdOut + r.StdErr, Changes: map[string]int{}}
			for k, v := range r.ChangeSummary {
				res.Changes[string(k)] = v
			}
		}
	case "refresh":
		var r auto.RefreshResult
		if r, err = d.stack.Refresh(ctx, optrefresh.Color("never")); err == nil {
			res = opResult{Stdout: r.StdOut + r.StdErr, Changes: *r.Summary.ResourceChanges}
		}
	case "destroy":
		var r auto.DestroyResult
		if r, err = d.stack.Destroy(ctx, optdestroy.Color("never")); err == nil {
			res = opResult{Stdout: r.StdOut + r.StdErr, Changes: *r.Summary.ResourceChanges}
		}
	default:
		t.Fatalf("unknown operation %q", op)
	}
	return d.result(t, op, res, err)
}

// result records what an operation printed, or fails the test with its error.
func (d *goDriver) result(t *testing.T, op string, res opResult, err error) opResult {
	t.Helper()
	if err != nil {
		d.env.record(err.Error()) // holds the CLI's output
		t.Fatalf("%s: %v\n%s", op, err, res.Stdout)
	}
	d.env.record(res.Stdout)
	return res
}

func (d *goDriver) export(t *testing.T) []stateResource {
	t.Helper()
	dep, err := d.stack.Export(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var deployment struct{ Resources []stateResource }
	if err := json.Unmarshal(dep.Deployment, &deployment); err != nil {
		t.Fatal(err)
	}
	return deployment.Resources
}

// scriptDriver runs a program with a driver script in another language (tests/drivers/...):
//
//	<interpreter> <script> <program> <project> <stack> <work dir> <op>   (stack config as JSON on stdin)
//
// The script prints an opResult as JSON on its last line of output.
type scriptDriver struct {
	env         *stackEnv
	interpreter string   // node, or a virtualenv's python
	script      string   // path of the driver script
	program     string   // what the script loads the program from
	project     string   //
	extraEnv    []string // e.g. NODE_PATH
	workDir     string
}

func (d *scriptDriver) run(t *testing.T, op string, cfg stackConfig) opResult {
	t.Helper()
	return d.call(t, cfg, op)
}

// call runs the driver script for op, with args after it.
func (d *scriptDriver) call(t *testing.T, cfg stackConfig, op string, args ...string) opResult {
	t.Helper()
	if d.workDir == "" {
		d.workDir = t.TempDir()
	}
	input, _ := json.Marshal(cfg)
	cmd := d.env.command(repoRoot, d.interpreter, append([]string{d.script, d.program, d.project, "e2e", d.workDir, op}, args...)...)
	cmd.Env = append(cmd.Env, d.extraEnv...)
	cmd.Stdin = strings.NewReader(string(input))
	out := d.env.run(t, cmd)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var res opResult
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("%s driver, %s: cannot parse its result: %v\n%s", d.project, op, err, out)
	}
	return res
}

// cliDriver runs a YAML program with the plain pulumi CLI in its project directory.
type cliDriver struct {
	env   *stackEnv
	dir   string // project directory
	stack string
	set   stackConfig // config set so far
}

// verbose makes the CLI and the provider log everything they can (gRPC payloads included) to
// stderr, which the secret scan then reads.
var verbose = []string{"--logtostderr", "-v=9", "--logflow"}

// pulumi runs `pulumi args...` on the stack, with stdin as its input, and returns its stdout.
func (d *cliDriver) pulumi(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	if d.set == nil {
		d.set = stackConfig{}
		d.env.run(t, d.env.command(d.dir, "pulumi", "stack", "init", d.stack, "--non-interactive"))
	}
	cmd := d.env.command(d.dir, "pulumi", append(append(args, verbose...), "--stack", d.stack, "--non-interactive")...)
	cmd.Env = append(cmd.Env, "PULUMI_DEBUG_COMMANDS=true") // enables --event-log, as the Automation API does
	cmd.Stdin = strings.NewReader(stdin)
	return d.env.run(t, cmd)
}

// configure sets the config keys that changed; values go through stdin, never the command line.
func (d *cliDriver) configure(t *testing.T, cfg stackConfig) {
	t.Helper()
	for k, v := range cfg {
		if old, ok := d.set[k]; ok && old == v {
			continue
		}
		args := []string{"config", "set", k}
		if v.Secret {
			args = append(args, "--secret")
		}
		d.pulumi(t, v.Value, args...)
		d.set[k] = v
	}
}

func (d *cliDriver) importResources(t *testing.T, cfg stackConfig, resources []importResource) opResult {
	t.Helper()
	d.configure(t, cfg)
	file := filepath.Join(t.TempDir(), "import.json")
	list, _ := json.Marshal(map[string]any{"resources": resources})
	if err := os.WriteFile(file, list, 0o600); err != nil {
		t.Fatal(err)
	}
	events := filepath.Join(t.TempDir(), "events.jsonl")
	out := d.pulumi(t, "", "import", "--file", file, "--yes", "--protect=false", "--generate-code=false",
		"--color", "never", "--event-log", events)
	return opResult{Stdout: out, Changes: summary(t, events)}
}

func (d *cliDriver) run(t *testing.T, op string, cfg stackConfig) opResult {
	t.Helper()
	d.configure(t, cfg)
	events := filepath.Join(t.TempDir(), "events.jsonl")
	args := []string{op, "--color", "never", "--event-log", events}
	switch op {
	case "preview":
		args = append(args, "--diff")
	case "up", "refresh", "destroy":
		args = append(args, "--yes", "--skip-preview")
	default:
		t.Fatalf("unknown operation %q", op)
	}
	res := opResult{Stdout: d.pulumi(t, "", args...), Changes: summary(t, events)}
	if op == "up" {
		out := d.pulumi(t, "", "stack", "output", "--json")
		if err := json.Unmarshal([]byte(out), &res.Outputs); err != nil {
			t.Fatalf("stack output: %v\n%s", err, out)
		}
	}
	return res
}

func (d *cliDriver) export(t *testing.T) []stateResource {
	t.Helper()
	out := d.pulumi(t, "", "stack", "export")
	var export struct {
		Deployment struct{ Resources []stateResource }
	}
	if err := json.Unmarshal([]byte(out), &export); err != nil {
		t.Fatalf("stack export: %v", err)
	}
	return export.Deployment.Resources
}

// summary reads the resource changes from the summary event of an --event-log file.
func summary(t *testing.T, eventLog string) map[string]int {
	t.Helper()
	f, err := os.Open(eventLog)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	scan := bufio.NewScanner(f)
	scan.Buffer(nil, 16<<20)
	for scan.Scan() {
		var event struct {
			SummaryEvent *struct {
				ResourceChanges map[string]int `json:"resourceChanges"`
			} `json:"summaryEvent"`
		}
		if json.Unmarshal(scan.Bytes(), &event) == nil && event.SummaryEvent != nil {
			return event.SummaryEvent.ResourceChanges
		}
	}
	t.Fatalf("no summary event in %s", eventLog)
	return nil
}
