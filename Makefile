# salon-kiosk: `make demo` sets up and runs the demo fair, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR ?= demo
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean lock

# The venv gets exactly the tested versions from the lock file (hashes checked), then the
# package itself, editable.
$(STAMP): pyproject.toml requirements-test.lock
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q --require-hashes -r requirements-test.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

# Refresh the lock files from the ranges in pyproject.toml (keeps current pins that still
# fit; `make lock UPGRADE=1` takes the newest versions the ranges allow). Needs PyPI.
LOCK := $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command 'make lock' -q $(if $(UPGRADE),--upgrade)
lock:
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q 'uv>=0.5,<1'
	$(LOCK) -o requirements.lock
	$(LOCK) --extra test -c requirements.lock -o requirements-test.lock

demo: $(STAMP)
	scripts/system-deps.sh run
	$(BIN)/python -m kiosk.demo_run $(DEMO_DIR)

test: $(STAMP)
	scripts/system-deps.sh test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy kiosk sync bench
	$(BIN)/pytest

bench: $(STAMP)
	scripts/system-deps.sh run
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache
