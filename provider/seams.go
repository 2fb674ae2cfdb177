package provider

import (
	"context"

	p "github.com/pulumi/pulumi-go-provider"
)

// withEngineSeams mends two places where pulumi-go-provider v1.5.0's typed layer cannot do
// what the engine needs. Each has a regression test named after it.
func withEngineSeams(inner p.Provider) p.Provider {
	outer := inner

	// 1. infer replaces the provider, and with it every resource, on any config change
	// (pulumi-go-provider#409). A new token or address is just a new way to reach the same
	// Vault, so those are in-place updates. Only a new `namespace` moves every resource (their
	// namespaces are relative to it), so that alone still replaces them.
	outer.DiffConfig = func(ctx context.Context, req p.DiffRequest) (p.DiffResponse, error) {
		resp, err := inner.DiffConfig(ctx, req)
		for name, d := range resp.DetailedDiff {
			if name != "namespace" {
				d.Kind = withoutReplace(d.Kind)
			}
			resp.DetailedDiff[name] = d
		}
		resp.DeleteBeforeReplace = false
		return resp, err
	}

	// 2. A typed Diff sees an unknown input as its zero value. Tell it which inputs are unknown
	// so a preview shows them as changing instead of hiding the change.
	outer.Diff = func(ctx context.Context, req p.DiffRequest) (p.DiffResponse, error) {
		unknown := map[string]bool{}
		for name, v := range req.Inputs.All {
			if v.HasComputed() {
				unknown[name] = true
			}
		}
		return inner.Diff(context.WithValue(ctx, unknownInputsKey{}, unknown), req)
	}
	return outer
}

func withoutReplace(kind p.DiffKind) p.DiffKind {
	switch kind {
	case p.AddReplace:
		return p.Add
	case p.DeleteReplace:
		return p.Delete
	case p.UpdateReplace:
		return p.Update
	}
	return kind
}

type unknownInputsKey struct{}

// unknownInputs are the top-level inputs still unknown in this Diff.
func unknownInputs(ctx context.Context) map[string]bool {
	unknown, _ := ctx.Value(unknownInputsKey{}).(map[string]bool)
	return unknown
}
