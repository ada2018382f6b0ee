# One command per verb, the same locally and in CI. See README.md.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
SERVER_STAMP := $(VENV)/.installed
CLIENT_STAMP := client/node_modules/.installed
HAVE_CLIENT := $(wildcard client/package.json)

.PHONY: dev test test-server test-client lint bench bench-latency bench-accuracy bench-load bench-socket-memory install install-server install-client browser clean

install: install-server install-client

install-server: $(SERVER_STAMP)
$(SERVER_STAMP): server/pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e 'server[dev]'
	touch $@

install-client:
ifneq ($(HAVE_CLIENT),)
install-client: $(CLIENT_STAMP)
$(CLIENT_STAMP): client/package.json client/package-lock.json
	cd client && npm ci --no-audit --no-fund
	touch $@
endif

# Debian's Chromium for the browser tests (a browser cannot download its own build here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is missing: sudo apt-get install chromium (browser tests will skip)"; fi; }

dev: install
	DEMO=$(DEMO) bash scripts/dev.sh

test: install browser test-server test-client

test-server: $(SERVER_STAMP)
	cd server && ../$(BIN)/pytest -q $(PYTEST_ARGS)

test-client:
ifneq ($(HAVE_CLIENT),)
	cd client && npm run --silent test
endif

lint: install
	@# bench/ is linted from server/ so that it gets the server's ruff settings (server/pyproject.toml).
	cd server && ../$(BIN)/ruff check src tests ../bench && ../$(BIN)/ruff format --check src tests ../bench \
	  && ../$(BIN)/mypy
	@# Dependency audit (docs/security.md): a known vulnerability fails the build; an audit service that cannot
	@# be used here (offline, or a registry mirror without it) is reported loudly and does not.
	@echo "pip-audit: the server's Python environment"; \
	out=$$($(BIN)/pip-audit --progress-spinner off --skip-editable 2>&1); rc=$$?; \
	if [ $$rc -ne 0 ] && echo "$$out" | grep -Eq "Found [0-9]+ known vulnerabilit"; then echo "$$out"; exit 1; fi; \
	unaudited=$$(echo "$$out" | grep -c "could not be audited"); \
	if [ $$rc -ne 0 ]; then echo "$$out" | tail -n 2; \
	  echo "pip-audit: WARNING: the vulnerability service could not be used; dependencies NOT audited (build not failed)"; \
	elif [ $$unaudited -gt 0 ]; then echo "$$out" | head -n 1; \
	  echo "pip-audit: WARNING: $$unaudited packages unknown to the vulnerability service were NOT audited (build not failed)"; \
	else echo "$$out" | head -n 1; fi
ifneq ($(HAVE_CLIENT),)
	cd client && npm run --silent lint
	@echo "npm audit: the client's runtime dependencies"; \
	out=$$(cd client && npm audit --omit=dev 2>&1); rc=$$?; \
	if [ $$rc -ne 0 ] && echo "$$out" | grep -Eq "[0-9]+ (low|moderate|high|critical) severity vulnerabilit|[0-9]+ vulnerabilities \("; then \
	  echo "$$out"; exit 1; fi; \
	if [ $$rc -ne 0 ]; then echo "$$out" | tail -n 3; \
	  echo "npm audit: WARNING: the registry's audit service could not be used; dependencies NOT audited (build not failed)"; \
	else echo "$$out" | tail -n 1; fi
endif

bench: bench-latency bench-accuracy

bench-latency: $(SERVER_STAMP)
	$(BIN)/python bench/latency.py

bench-accuracy: $(SERVER_STAMP)
	$(BIN)/python bench/accuracy.py

bench-load: $(SERVER_STAMP)
	$(BIN)/python bench/load.py

bench-socket-memory: $(SERVER_STAMP)
	$(BIN)/python bench/socket_memory.py

clean:
	rm -rf $(VENV) client/node_modules client/.next
