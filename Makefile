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

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/bench_check.py

lint: $(STAMP)
	$(BIN)/ruff check service tests bench

clean:
	rm -rf $(VENV) instance .pytest_cache
