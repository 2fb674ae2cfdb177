#!/usr/bin/env bash
# `make demo`: the YAML example against a throwaway Vault dev server, with the plain Pulumi CLI:
# up, change one setting, preview --diff, destroy. Everything lives in a temp dir that is
# removed, and Vault stopped, on exit. Needs `make tools build` (builds the plugin if missing).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tools=$root/.tools
bin=$root/bin
for tool in vault pulumi pulumi-language-yaml; do
	if [[ ! -x $tools/$tool ]]; then
		echo "demo: $tools/$tool is missing: run \`make tools\` first" >&2
		exit 1
	fi
done
if [[ ! -x $bin/pulumi-resource-vaultawsauth ]]; then
	(cd "$root" && go build -o "$bin/pulumi-resource-vaultawsauth" ./cmd/pulumi-resource-vaultawsauth)
fi

work=$(mktemp -d)
vault_pid=
cleanup() {
	if [[ -n $vault_pid ]]; then
		kill "$vault_pid" 2>/dev/null || true
		wait "$vault_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# Only this demo's tools and settings: nothing from the caller's Vault or Pulumi setup.
unset VAULT_ADDR VAULT_TOKEN VAULT_NAMESPACE PULUMI_ACCESS_TOKEN PULUMI_CONFIG_PASSPHRASE_FILE
# The plugin is installed into this PULUMI_HOME below; found on PATH (`make` puts bin/ there)
# the CLI would warn on every step that it uses an unmanaged binary.
PATH=$(tr ':' '\n' <<<"$PATH" | grep -vxF "$bin" | paste -sd: -)
export PATH=$tools:$PATH
export PULUMI_BACKEND_URL=file://$work/state PULUMI_HOME=$work/pulumi-home
export PULUMI_CONFIG_PASSPHRASE=demo PULUMI_SKIP_UPDATE_CHECK=true
mkdir -p "$work/state"
version=$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$root/sdk/go/vaultawsauth/pulumi-plugin.json")
pulumi plugin install resource vaultawsauth "$version" --file "$bin/pulumi-resource-vaultawsauth" >/dev/null

# A free port whose neighbour (Vault's cluster port) is free too.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for _ in $(seq 50); do
	port=$((20000 + RANDOM % 40000))
	if port_free "$port" && port_free $((port + 1)); then break; fi
done
addr=http://127.0.0.1:$port
token=demo-root-token

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "Starting vault server -dev on $addr (root token: $token)"
vault server -dev -dev-listen-address="127.0.0.1:$port" -dev-root-token-id="$token" -dev-no-store-token \
	>"$work/vault.log" 2>&1 &
vault_pid=$!
for i in $(seq 100); do
	if VAULT_ADDR=$addr vault status >/dev/null 2>&1; then break; fi
	if ! kill -0 "$vault_pid" 2>/dev/null || [[ $i == 100 ]]; then
		echo "demo: Vault did not start:" >&2
		tail -20 "$work/vault.log" >&2
		exit 1
	fi
	sleep 0.2
done

step "A stack of examples/yaml, its config pointing at that Vault"
cp -R "$root/examples/yaml" "$work/project"
cd "$work/project"
pulumi stack init demo
pulumi config set vaultawsauth:address "$addr"
printf %s "$token" | pulumi config set --secret vaultawsauth:token
printf %s AKIAIOSFODNN7EXAMPLE | pulumi config set --secret accessKey
printf %s 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' | pulumi config set --secret secretKey
pulumi config

step "pulumi up: enables auth/aws-example and configures its client"
pulumi up --yes

step "What Vault now holds"
VAULT_ADDR=$addr VAULT_TOKEN=$token vault read auth/aws-example/config/client

step "Changing one setting: iamServerIdHeaderValue"
pulumi config set iamServerIdHeaderValue login.example.org
pulumi preview --diff

step "pulumi destroy: removes the client config and the mount"
pulumi destroy --yes
VAULT_ADDR=$addr VAULT_TOKEN=$token vault auth list

step "Done; stopping Vault"
