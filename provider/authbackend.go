package provider

import (
	"context"
	_ "embed"
	"fmt"
	"strings"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
)

//go:embed docs/authbackend.md
var authBackendDoc string

// AuthBackend enables the AWS auth method at a path: the mount AuthBackendClient configures.
type AuthBackend struct{}

type BackendArgs struct {
	Path                   *string `pulumi:"path,optional"`
	Namespace              *string `pulumi:"namespace,optional"`
	Description            *string `pulumi:"description,optional"`
	DefaultLeaseTTLSeconds *int    `pulumi:"defaultLeaseTtlSeconds,optional"`
	MaxLeaseTTLSeconds     *int    `pulumi:"maxLeaseTtlSeconds,optional"`
	Local                  *bool   `pulumi:"local,optional"`
}

type BackendState struct {
	BackendArgs
	Accessor string `pulumi:"accessor"`
}

func (r *AuthBackend) Annotate(a infer.Annotator) {
	a.SetToken("index", "AuthBackend")
	a.Describe(r, authBackendDoc)
}

func (args *BackendArgs) Annotate(a infer.Annotator) {
	a.Describe(&args.Path, "Path to enable the AWS auth method at, without `auth/`; nested paths such as `team/aws` work. "+
		"Leading and trailing slashes are trimmed. Changing it replaces the mount.")
	a.SetDefault(&args.Path, defaultBackend)
	a.Describe(&args.Namespace, "Vault Enterprise namespace of the mount, relative to the provider's `namespace`. Changing it replaces the mount.")
	a.Describe(&args.Description, "Human-friendly description of the mount.")
	a.Describe(&args.DefaultLeaseTTLSeconds, "Default lease duration of tokens issued by logins at this mount, in seconds; 0 uses Vault's system default.")
	a.Describe(&args.MaxLeaseTTLSeconds, "Maximum lease duration of tokens issued by logins at this mount, in seconds; 0 uses Vault's system default.")
	a.Describe(&args.Local, "Keep the mount local to this cluster when using performance replication (Enterprise). Changing it replaces the mount.")
}

func (s *BackendState) Annotate(a infer.Annotator) {
	a.Describe(&s.Accessor, "Accessor of the mount, as used in identity aliases and policies.")
}

func (args *BackendArgs) path() string {
	if args.Path == nil {
		return defaultBackend
	}
	return *args.Path
}

func (args *BackendArgs) namespace() string {
	if args.Namespace == nil {
		return ""
	}
	return *args.Namespace
}

func (args *BackendArgs) tuning() map[string]any {
	return map[string]any{
		"description":       deref(args.Description, ""),
		"default_lease_ttl": fmt.Sprintf("%ds", deref(args.DefaultLeaseTTLSeconds, 0)),
		"max_lease_ttl":     fmt.Sprintf("%ds", deref(args.MaxLeaseTTLSeconds, 0)),
	}
}

func (r *AuthBackend) Check(ctx context.Context, req infer.CheckRequest) (infer.CheckResponse[BackendArgs], error) {
	args, failures, err := infer.DefaultCheck[BackendArgs](ctx, req.NewInputs)
	if err != nil || len(failures) > 0 {
		return infer.CheckResponse[BackendArgs]{Inputs: args, Failures: failures}, err
	}
	path := strings.Trim(args.path(), "/")
	args.Path, args.Namespace = &path, optional(strings.Trim(args.namespace(), "/"))
	in := checkInput{raw: req.NewInputs}
	for property, value := range map[string]string{"path": path, "namespace": args.namespace()} {
		if problem := pathProblem(value); in.known(property) && problem != "" && (property == "path" || value != "") {
			failures = append(failures, failure(property, "%s %q %s", property, value, problem)...)
		}
	}
	for property, value := range map[string]*int{"defaultLeaseTtlSeconds": args.DefaultLeaseTTLSeconds, "maxLeaseTtlSeconds": args.MaxLeaseTTLSeconds} {
		if value != nil && *value < 0 && in.known(property) {
			failures = append(failures, failure(property, "%s must be 0 or more, got %d: durations are whole seconds", property, *value)...)
		}
	}
	return infer.CheckResponse[BackendArgs]{Inputs: args, Failures: failures}, nil
}

func (r *AuthBackend) Create(ctx context.Context, req infer.CreateRequest[BackendArgs]) (infer.CreateResponse[BackendState], error) {
	args := req.Inputs
	id := backendID(args.namespace(), args.path())
	vault := vaultFrom(ctx)
	if err := vault.checkServerSupports(ctx, args.namespace(), nil); err != nil {
		return infer.CreateResponse[BackendState]{}, err
	}
	if req.DryRun {
		return infer.CreateResponse[BackendState]{ID: id, Output: BackendState{BackendArgs: args}}, nil
	}
	body := map[string]any{"type": "aws", "local": deref(args.Local, false), "description": deref(args.Description, ""), "config": args.tuning()}
	if err := vault.write(ctx, args.namespace(), "sys/auth/"+args.path(), body); err != nil {
		return infer.CreateResponse[BackendState]{}, err
	}
	state, err := readMount(ctx, vault, &args)
	return infer.CreateResponse[BackendState]{ID: id, Output: state}, err
}

func (r *AuthBackend) Update(ctx context.Context, req infer.UpdateRequest[BackendArgs, BackendState]) (infer.UpdateResponse[BackendState], error) {
	args := req.Inputs
	if req.DryRun {
		return infer.UpdateResponse[BackendState]{Output: BackendState{BackendArgs: args, Accessor: req.State.Accessor}}, nil
	}
	vault := vaultFrom(ctx)
	if err := vault.write(ctx, args.namespace(), "sys/mounts/auth/"+args.path()+"/tune", args.tuning()); err != nil {
		return infer.UpdateResponse[BackendState]{}, err
	}
	state, err := readMount(ctx, vault, &args)
	return infer.UpdateResponse[BackendState]{Output: state}, err
}

func (r *AuthBackend) Read(ctx context.Context, req infer.ReadRequest[BackendArgs, BackendState]) (infer.ReadResponse[BackendArgs, BackendState], error) {
	namespace, path, err := parseBackendID(req.ID)
	if err != nil {
		return infer.ReadResponse[BackendArgs, BackendState]{}, err
	}
	vault := vaultFrom(ctx)
	if err := vault.checkServerSupports(ctx, namespace, nil); err != nil {
		return infer.ReadResponse[BackendArgs, BackendState]{}, err
	}
	args := req.Inputs
	args.Path, args.Namespace = &path, optional(namespace)
	state, err := readMount(ctx, vault, &args)
	if err != nil || state.Accessor == "" {
		if err == nil && req.State.Accessor == "" {
			err = fmt.Errorf("cannot import %q: no AWS auth method is enabled at auth/%s", req.ID, path)
		}
		return infer.ReadResponse[BackendArgs, BackendState]{}, err
	}
	return infer.ReadResponse[BackendArgs, BackendState]{ID: req.ID, Inputs: state.BackendArgs, State: state}, nil
}

func (r *AuthBackend) Delete(ctx context.Context, req infer.DeleteRequest[BackendState]) (infer.DeleteResponse, error) {
	state := req.State.BackendArgs
	return infer.DeleteResponse{}, vaultFrom(ctx).delete(ctx, state.namespace(), "sys/auth/"+state.path())
}

func (r *AuthBackend) Diff(ctx context.Context, req infer.DiffRequest[BackendArgs, BackendState]) (infer.DiffResponse, error) {
	olds, news := &req.State.BackendArgs, &req.Inputs
	unknown := unknownInputs(ctx)
	diff := map[string]p.PropertyDiff{}
	note := func(property string, differs, replaces bool) {
		if unknown[property] || differs {
			kind := p.Update
			if replaces {
				kind = p.UpdateReplace
			}
			diff[property] = p.PropertyDiff{Kind: kind, InputDiff: true}
		}
	}
	note("path", olds.path() != news.path(), true)
	note("namespace", olds.namespace() != news.namespace(), true)
	note("local", deref(olds.Local, false) != deref(news.Local, false), true)
	note("description", deref(olds.Description, "") != deref(news.Description, ""), false)
	note("defaultLeaseTtlSeconds", deref(olds.DefaultLeaseTTLSeconds, 0) != deref(news.DefaultLeaseTTLSeconds, 0), false)
	note("maxLeaseTtlSeconds", deref(olds.MaxLeaseTTLSeconds, 0) != deref(news.MaxLeaseTTLSeconds, 0), false)
	return infer.DiffResponse{HasChanges: len(diff) > 0, DetailedDiff: diff}, nil
}

// readMount reads the mount's settings; a zero Accessor means there is no mount.
func readMount(ctx context.Context, vault *vaultClient, args *BackendArgs) (BackendState, error) {
	data, err := vault.readMount(ctx, args.namespace(), "auth/"+args.path())
	if err != nil || data == nil {
		return BackendState{}, err
	}
	if kind, _ := data["type"].(string); kind != "aws" {
		return BackendState{}, fmt.Errorf("auth/%s is a %q auth method, not aws", args.path(), kind)
	}
	state := BackendState{BackendArgs: BackendArgs{Path: args.Path, Namespace: args.Namespace}}
	state.Accessor, _ = data["accessor"].(string)
	state.Description = optional(fmt.Sprint(data["description"]))
	state.Local = optionalBool(data["local"] == true)
	if config, ok := data["config"].(map[string]any); ok {
		state.DefaultLeaseTTLSeconds = optionalInt(config["default_lease_ttl"])
		state.MaxLeaseTTLSeconds = optionalInt(config["max_lease_ttl"])
	}
	return state, nil
}

// The ID of an AuthBackend is `auth/<path>`, prefixed by the namespace when there is one.
func backendID(namespace, path string) string {
	return strings.TrimSuffix(clientID(namespace, path), clientIDSuffix)
}

func parseBackendID(id string) (namespace, path string, err error) {
	namespace, path, err = parseClientID(id + clientIDSuffix)
	if err != nil {
		return "", "", fmt.Errorf("import ID %q must have the form `auth/<path>` or `<namespace>/auth/<path>`", id)
	}
	return namespace, path, nil
}

func deref[T any](v *T, unset T) T {
	if v == nil {
		return unset
	}
	return *v
}

func optionalBool(b bool) *bool {
	if !b {
		return nil
	}
	return &b
}

// optionalInt converts a JSON number, leaving 0 (Vault's "system default") unset.
func optionalInt(raw any) *int {
	n, err := intFromJSON(raw)
	if err != nil || n == 0 {
		return nil
	}
	return &n
}
