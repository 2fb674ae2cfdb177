// Command sdkgen writes the provider's schema.json and generates the Go, Node.js and Python SDKs
// from it, without language hosts or network access.
//
//	go run ./cmd/sdkgen schema -out schema.json
//	go run ./cmd/sdkgen sdk -schema schema.json -out sdk
//
// Output is deterministic, so the freshness tests in sdkgen_test.go can compare it byte for byte
// with the committed files.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/blang/semver"
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/integration"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	nodejsgen "github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	pythongen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"

	"github.com/vaultawsauth/pulumi-vaultawsauth/provider"
)

const (
	packageName = "vaultawsauth"
	version     = "0.1.0"
	// tool is the generator name written into the generated files' headers.
	tool = "pulumi-vaultawsauth-sdkgen"
)

// languages lists the generated SDKs; each is written to <out>/<name>.
var languages = []string{"go", "nodejs", "python"}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "sdkgen:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	usage := errors.New("usage: sdkgen schema -out FILE | sdkgen sdk -schema FILE -out DIR")
	if len(args) == 0 {
		return usage
	}
	flags := flag.NewFlagSet("sdkgen "+args[0], flag.ContinueOnError)
	switch args[0] {
	case "schema":
		out := flags.String("out", "schema.json", "file to write the schema to")
		if err := flags.Parse(args[1:]); err != nil {
			return err
		}
		data, err := generateSchema(context.Background())
		if err != nil {
			return err
		}
		return os.WriteFile(*out, data, 0o644)
	case "sdk":
		schemaPath := flags.String("schema", "schema.json", "schema file to generate from")
		out := flags.String("out", "sdk", "directory to write sdk/<language> into")
		if err := flags.Parse(args[1:]); err != nil {
			return err
		}
		data, err := os.ReadFile(*schemaPath)
		if err != nil {
			return err
		}
		return writeSDKs(data, *out)
	default:
		return usage
	}
}

// generateSchema runs the provider in-process and returns its schema as indented JSON with a
// trailing newline.
func generateSchema(ctx context.Context) ([]byte, error) {
	prov, err := provider.New()
	if err != nil {
		return nil, fmt.Errorf("building provider: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the fake engine the integration server may start
	server, err := integration.NewServer(ctx, packageName, semver.MustParse(version),
		integration.WithProvider(prov))
	if err != nil {
		return nil, err
	}
	resp, err := server.GetSchema(p.GetSchemaRequest{})
	if err != nil {
		return nil, fmt.Errorf("getting schema: %w", err)
	}
	// Round-trip through PackageSpec: this fails loudly on a malformed schema and gives stable
	// output (sorted map keys, no HTML escaping of '<', '>' and '&' in descriptions).
	var spec schema.PackageSpec
	if err := json.Unmarshal([]byte(resp.Schema), &spec); err != nil {
		return nil, fmt.Errorf("decoding schema: %w", err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(spec); err != nil { // Encode appends the trailing newline
		return nil, err
	}
	return buf.Bytes(), nil
}

// generateSDKs returns every SDK file, keyed by slash-separated path relative to the sdk
// directory (for example "go/vaultawsauth/provider.go").
func generateSDKs(schemaJSON []byte) (map[string][]byte, error) {
	all := map[string][]byte{}
	for _, lang := range languages {
		// Bind afresh for each language: the generators store their own data in the package.
		pkg, err := bindSchema(schemaJSON)
		if err != nil {
			return nil, err
		}
		var files map[string][]byte
		switch lang {
		case "go":
			files, err = gogen.GeneratePackage(tool, pkg, nil)
		case "nodejs":
			files, err = nodejsgen.GeneratePackage(tool, pkg, nil, nil, false, offlineLoader{})
		case "python":
			files, err = pythongen.GeneratePackage(tool, pkg, nil, offlineLoader{})
			if err == nil {
				// pyproject.toml names ./README.md as the readme; the generator only writes
				// one inside the package directory, so place a copy beside pyproject.toml.
				files, err = copyPythonReadme(files)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("generating %s SDK: %w", lang, err)
		}
		for name, data := range files {
			all[lang+"/"+filepath.ToSlash(name)] = data
		}
	}
	return all, nil
}

func bindSchema(schemaJSON []byte) (*schema.Package, error) {
	var spec schema.PackageSpec
	if err := json.Unmarshal(schemaJSON, &spec); err != nil {
		return nil, fmt.Errorf("decoding schema: %w", err)
	}
	pkg, diags, err := schema.BindSpec(spec, offlineLoader{}, schema.ValidationOptions{})
	if err != nil {
		return nil, fmt.Errorf("binding schema: %w", err)
	}
	if diags.HasErrors() {
		return nil, fmt.Errorf("binding schema: %w", diags)
	}
	return pkg, nil
}

func copyPythonReadme(files map[string][]byte) (map[string][]byte, error) {
	var readmes []string
	for name := range files {
		if filepath.Base(name) == "README.md" && filepath.Dir(name) != "." &&
			filepath.Dir(filepath.Dir(name)) == "." {
			readmes = append(readmes, name)
		}
	}
	if len(readmes) != 1 {
		return nil, fmt.Errorf("expected one top-level package README.md, found %v", readmes)
	}
	files["README.md"] = files[readmes[0]]
	return files, nil
}

// writeSDKs generates the SDKs from schemaJSON into outDir/<language>, removing each language
// directory first so that files no longer generated disappear.
func writeSDKs(schemaJSON []byte, outDir string) error {
	files, err := generateSDKs(schemaJSON)
	if err != nil {
		return err
	}
	for _, lang := range languages {
		if err := os.RemoveAll(filepath.Join(outDir, lang)); err != nil {
			return err
		}
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(outDir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// offlineLoader refuses to load other packages. The schema references none, so nothing should
// ask; if something does, failing beats reaching for plugins or the network.
type offlineLoader struct{}

var _ schema.ReferenceLoader = offlineLoader{}

func (offlineLoader) err(pkg string) error {
	return fmt.Errorf("sdkgen: schema refers to package %q; loading other packages is not supported", pkg)
}

func (l offlineLoader) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, l.err(pkg)
}

func (l offlineLoader) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, l.err(d.Name)
}

func (l offlineLoader) LoadPackageReference(pkg string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, l.err(pkg)
}

func (l offlineLoader) LoadPackageReferenceV2(
	_ context.Context, d *schema.PackageDescriptor,
) (schema.PackageReference, error) {
	return nil, l.err(d.Name)
}
