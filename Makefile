# SafeSend: `make demo` runs the service with demo data, `make test` runs every test.
PYTHON ?= python3
VENV   ?= .venv
PORT   ?= 8080
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-stamp

.PHONY: demo test bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,prod]'
	touch $(STAMP)

demo: $(STAMP)
	SAFESEND_INSTANCE_PATH=$${SAFESEND_INSTANCE_PATH:-$(CURDIR)/instance} $(BIN)/safesend demo --port $(PORT)

# One test file per worker, a worker per core: files share fixtures and services (Postfix,
# Redis keys) between their own tests, never with another file's.
test: $(STAMP)
	$(BIN)/python -m pytest -q -n auto --dist loadfile

bench: $(STAMP)
	$(BIN)/python bench/bench_check.py

lint: $(STAMP)
	$(BIN)/ruff check service tests bench

clean:
	rm -rf $(VENV) instance .pytest_cache
