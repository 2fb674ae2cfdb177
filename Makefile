# Everything a developer or CI runs. Tools are built from Go modules into .tools/ and rebuilt only
# when missing; `make clean-tools` forces a rebuild.
SHELL       := /bin/bash
TOOLS       := $(CURDIR)/.tools
BIN         := $(CURDIR)/bin
PLUGIN      := $(BIN)/pulumi-resource-vaultawsauth
PULUMI_VER  := v3.277.0
GO_SOURCES  := $(shell find provider cmd -name '*.go' -o -name '*.md') go.mod go.sum
export PATH := $(BIN):$(TOOLS):$(PATH)

.PHONY: all build tools schema sdk test vet bench demo clean clean-tools

all: build schema sdk

build: $(PLUGIN)

$(PLUGIN): $(GO_SOURCES)
	go build -ldflags "-s -w" -o $@ ./cmd/pulumi-resource-vaultawsauth

tools: $(TOOLS)/vault $(TOOLS)/pulumi $(TOOLS)/pulumi-language-yaml

# Vault v1.21.0 builds as is from its module (later patch releases do not); ~10 minutes cold.
$(TOOLS)/vault:
	cd tools/vault && go build -o $@ github.com/hashicorp/vault

# Without the version ldflags the Automation API rejects the CLI as too old.
$(TOOLS)/pulumi:
	cd tools/pulumi && go build -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$(PULUMI_VER)" \
		-o $@ github.com/pulumi/pulumi/pkg/v3/cmd/pulumi

$(TOOLS)/pulumi-language-yaml:
	cd tools/yaml && go build -o $@ github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml

schema:
	go run ./cmd/sdkgen schema -out schema.json

sdk: schema
	go run ./cmd/sdkgen sdk -schema schema.json -out sdk

vet:
	go vet ./...

test: tools build vet
	go test -race -count=1 -timeout 60m ./...

# A dev Vault, examples/yaml through the real CLI: up, a change shown by preview --diff, destroy.
demo: tools build
	scripts/demo.sh

# Calls per operation, provider overhead, plugin start, RSS and scale; records bench/RESULTS.md.
bench: tools
	go test -tags bench -count=1 -timeout 60m -v -run TestBench ./bench/

clean:
	rm -rf $(BIN)

clean-tools:
	rm -rf $(TOOLS)
