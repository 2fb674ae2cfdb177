package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// repoRoot is the module root, relative to this package's directory (where go test runs).
const repoRoot = "../.."

func TestSchemaIsFresh(t *testing.T) {
	got, err := generateSchema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Written to a temporary file like `make schema` would, then compared byte for byte.
	tmp := filepath.Join(t.TempDir(), "schema.json")
	if err := os.WriteFile(tmp, got, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err = os.ReadFile(tmp)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(repoRoot, "schema.json"))
	if err != nil {
		t.Fatalf("reading committed schema.json: %v; run `make schema`", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("schema.json is stale (%s); run `make schema`", firstDifference(got, want))
	}
}

func TestSDKsAreFresh(t *testing.T) {
	schemaJSON, err := os.ReadFile(filepath.Join(repoRoot, "schema.json"))
	if err != nil {
		t.Fatalf("reading committed schema.json: %v", err)
	}
	tmp := t.TempDir()
	if err := writeSDKs(schemaJSON, tmp); err != nil {
		t.Fatal(err)
	}
	generated := readTree(t, tmp)
	committed := readTree(t, filepath.Join(repoRoot, "sdk"))

	var problems []string
	for _, name := range sortedKeys(generated) {
		want, ok := committed[name]
		switch {
		case !ok:
			problems = append(problems, "missing: sdk/"+name)
		case !bytes.Equal(generated[name], want):
			problems = append(problems, "differs: sdk/"+name+" ("+firstDifference(generated[name], want)+")")
		}
	}
	for _, name := range sortedKeys(committed) {
		if _, ok := generated[name]; !ok {
			problems = append(problems, "no longer generated: sdk/"+name)
		}
	}
	if len(problems) > 0 {
		const max = 20
		if len(problems) > max {
			problems = append(problems[:max], "...")
		}
		t.Fatalf("the SDKs in sdk/ are stale; run `make sdk`:\n  %s", strings.Join(problems, "\n  "))
	}
}

// readTree returns the generated-language files under dir (sdk/go, sdk/nodejs, sdk/python), keyed
// by slash-separated relative path. Build and install output that the generated .gitignore files
// exclude (node_modules, bin, __pycache__, ...) is skipped, so a local build does not fail the test.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for _, lang := range languages {
		root := filepath.Join(dir, lang)
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) && path == root {
					return nil
				}
				return err
			}
			rel, err := filepath.Rel(dir, path)
			if err != nil {
				return err
			}
			rel = filepath.ToSlash(rel)
			if isBuildOutput(rel, d) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			files[rel] = data
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return files
}

func isBuildOutput(rel string, d fs.DirEntry) bool {
	name := d.Name()
	if d.IsDir() {
		switch {
		case rel == "nodejs/node_modules", rel == "nodejs/bin",
			name == "__pycache__", name == ".mypy_cache", strings.HasSuffix(name, ".egg-info"),
			rel == "python/build", rel == "python/dist":
			return true
		}
		return false
	}
	return strings.HasSuffix(name, ".pyc") || rel == "nodejs/package-lock.json"
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// firstDifference describes where got and want first differ, by line number.
func firstDifference(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(g) && i < len(w); i++ {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d: generated %.80q, committed %.80q", i+1, g[i], w[i])
		}
	}
	return fmt.Sprintf("generated has %d lines, committed has %d", len(g), len(w))
}
