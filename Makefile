# Developer shortcuts. CI runs .ci/run, which also starts PostgreSQL,
# creates the test database and installs Chromium and golangci-lint.

GOLANGCI_LINT ?= golangci-lint

.PHONY: test lint run bench-import

# Runs every test. The PostgreSQL and browser variants run only when
# ASTA_TEST_DATABASE_URL and ASTA_TEST_CHROMIUM are set; .ci/run sets both.
test:
	go test -count=1 ./...

# Runs the same checks as .ci/run: gofmt, go vet and golangci-lint.
lint:
	@unformatted="$$(gofmt -l .)"; \
	if [ -n "$$unformatted" ]; then echo "not formatted with gofmt:"; echo "$$unformatted"; exit 1; fi
	go vet ./...
	$(GOLANGCI_LINT) run ./...

# Starts astad in demo mode.
run:
	go run ./daemon --demo

# Runs the import benchmark of astad.
bench-import:
	go run ./daemon bench-import
