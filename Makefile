# qualstate — build, test, benchmark and fuzz.
GO        ?= go
FUZZTIME  ?= 30s
BIN       ?= bin/qualstate

.PHONY: build test vet lint bench fuzz schemas demo clean

build:
	$(GO) build -o $(BIN) ./cmd/qualstate

## test: everything CI runs — formatting, vet, the whole suite with the race detector.
test: vet lint
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) test -race -count=1 ./...

vet:
	$(GO) vet ./...

## lint: staticcheck, pinned in go.mod as a tool.
lint:
	$(GO) tool staticcheck ./...

## bench: Go benchmarks, then the corpus harness (writes figures to stdout).
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...
	./bench/run.sh

## fuzz: run every fuzz target for FUZZTIME each.
fuzz:
	./scripts/fuzz.sh $(FUZZTIME)

## schemas: refresh the embedded CloudFormation resource schemas from SCHEMAS.
SCHEMAS ?= ../shared/cfn-schemas
schemas:
	$(GO) run ./cfn/schema/gen -in $(SCHEMAS) -out cfn/schema/schemas.json.gz

demo:
	$(GO) run ./cmd/qualstate demo

clean:
	rm -rf bin
