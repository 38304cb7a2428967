# The two commands of the README:
#   make serve   set everything up, then serve the site at http://127.0.0.1:8000/dlnotes/
#   make test    set everything up, then run every check (lint, unit, pages, notebooks, site)
# Both create the virtual environment .venv on first use (and again when pyproject.toml changes).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Tests run in parallel, distributed by module or class: a page's examples stay in one worker
# (they share a namespace).
JOBS   ?= 2
export NO_MKDOCS_2_WARNING := 1

.PHONY: all serve test test-fast lint build figures links pdf clean

all: test

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.10+ is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 10) else None'
	$(PYTHON) -m venv $(VENV)
	@echo "Installing dlnotes with its docs and test tools into $(VENV) (first time: a few minutes)..."
	$(BIN)/python -m pip install -qq --disable-pip-version-check -e ".[test]"
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

# One thread per test worker: two workers each running two threads on two cores slow down badly.
test: $(STAMP) lint
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -n $(JOBS) --dist loadscope

# The unit and page tests alone: no site build, no browser, no multi-process run.
test-fast: $(STAMP)
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -n $(JOBS) --dist loadscope -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

build: $(STAMP)
	$(BIN)/mkdocs build --strict

figures: $(STAMP)
	$(BIN)/python figures/make_figures.py

# The course as one PDF per language (site/pdf/dlnotes-<lang>.pdf), printed from the freshly built
# site by the system's Chromium (tools/make_pdf.py).
pdf: build
	$(BIN)/python tools/make_pdf.py

# The list of every external link of the course (reports/external-links.md); nothing is fetched.
links: $(STAMP)
	$(BIN)/python tools/external_links.py

clean:
	rm -rf site .cache .pytest_cache .ruff_cache
