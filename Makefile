# Thin wrappers: every target installs what it needs into .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NB ?= 00
export PYTHONHASHSEED := 0
# Agg for tests and editions; `lab` unsets it (and `playbook present` drops it) so kernels draw inline.
export MPLBACKEND := Agg

.PHONY: setup browser java lab present test test-fast test-browser bench bench-large student trainer html datasets dictionary clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

# Debian's Chromium for the real-browser tests: installed with apt-get when missing,
# or a failure that prints the exact command (never a silent skip).
browser:
	bash scripts/ensure_chromium.sh

# Java 17 for the Spark engine's tests (pyspark starts a JVM): installed with apt-get when
# missing, or a failure that prints the exact command.
java:
	bash scripts/ensure_java.sh

lab: setup
	env -u MPLBACKEND $(BIN)/jupyter lab notebooks/00_start_here.ipynb

# Presentation mode for trainers: one notebook as a Voila app (code hidden, widgets live,
# projector-sized charts) on http://localhost:8866. NB=03 picks notebooks/03_*.ipynb;
# PLAYBOOK_LANG=zh for Chinese. Same as `playbook present 03` (see playbook/present.py).
present: setup
	$(BIN)/playbook present $(NB)

# Unit tests, docstring examples, every notebook under nbval, and every notebook driven
# in a real browser (JupyterLab and Voila, headless Chromium), in one run on two workers.
# --dist loadfile keeps a file on one worker: a notebook's cells share its kernel, and the
# browser tests (one module) share their servers.
LINTED = playbook tests scripts benchmarks conftest.py

test: setup browser java
	$(BIN)/python -m ruff check $(LINTED)
	$(BIN)/python -m mypy
	PLAYBOOK_STRICT_EXERCISES=1 $(BIN)/python -m pytest tests playbook notebooks -n 2 --dist loadfile \
		--doctest-modules --nbval-lax --nbval-current-env --nbval-cell-timeout=180 \
		--nbval-sanitize-with tests/nbval_sanitize.cfg --durations=25

# Only the real-browser tests (screenshots are written to the folder the test prints).
test-browser: setup browser
	PLAYBOOK_STRICT_EXERCISES=1 $(BIN)/python -m pytest tests/browser -v

test-fast: setup java
	$(BIN)/python -m ruff check $(LINTED)
	$(BIN)/python -m mypy
	PLAYBOOK_STRICT_EXERCISES=1 $(BIN)/python -m pytest tests playbook --doctest-modules --ignore=tests/browser

bench: setup
	$(BIN)/python benchmarks/bench_generate.py
	$(BIN)/python benchmarks/bench_clv.py
	$(BIN)/python benchmarks/bench_widgets.py
	$(BIN)/python benchmarks/bench_analyze.py --cache $(HOME)/.cache/playbook-bench
	$(BIN)/python benchmarks/bench_read_csv.py
	$(BIN)/python benchmarks/bench_read_csv.py --rows 6000000 --per-customer 100 --only analyze
	$(BIN)/python benchmarks/bench_read_csv.py --rows 500000 --per-customer 100 --only from_orders --only analyze \
		--case clean --case refunds --case refunds_drop --case trimmed_ids --case european --case day_first \
		--case compact_dates --case cp1252 --case cp1252_detected --case gbk --case duplicates
	$(BIN)/python benchmarks/bench_import.py
	$(BIN)/python benchmarks/bench_small_export.py


# DuckDB larger than memory: analyze end to end on 100M orders / 10M customers, generated once into
# ~/.cache/playbook-bench (about 2.3 GB of Parquet), against the 8 GB target (about 6.5 minutes on 2 cores);
# needs tens of GB of free disk for DuckDB's spill. Not part of `bench`.
bench-large: setup
	$(BIN)/python benchmarks/bench_duckdb_large.py

student: setup
	$(BIN)/python scripts/make_student.py notebooks editions/student

trainer: setup
	$(BIN)/python scripts/make_student.py --trainer notebooks editions/trainer

# The HTML edition: every notebook executed, one self-contained page each, plus index.html.
html: setup
	$(BIN)/python scripts/make_html.py notebooks editions/html

# Regenerate the shipped datasets and the data dictionary (tests check they match).
datasets: setup
	$(BIN)/playbook generate datasets/retail --scenario retail --seed 0 --overwrite
	$(BIN)/playbook generate datasets/b2b --scenario b2b --seed 0 --overwrite
	$(BIN)/playbook generate datasets/retail_zh --scenario retail --customers 2000 --locale zh_CN --seed 0 --overwrite
	rm -rf datasets/messy_export
	$(BIN)/python -c "from playbook.synth.messy import write_messy_export; write_messy_export('datasets/messy_export')"
	$(BIN)/playbook dictionary --out datasets/DATA_DICTIONARY.md

dictionary: setup
	$(BIN)/playbook dictionary --out datasets/DATA_DICTIONARY.md

clean:
	rm -rf $(VENV) editions .pytest_cache
