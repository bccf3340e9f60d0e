# Thin wrappers: every target installs what it needs into .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NB ?= 00
export PYTHONHASHSEED := 0
export MPLBACKEND := Agg

.PHONY: setup lab test test-fast bench student html datasets dictionary clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

lab: setup
	$(BIN)/jupyter lab notebooks/00_start_here.ipynb

# Unit tests, docstring examples and every notebook under nbval, in one run.
test: setup
	PLAYBOOK_STRICT_EXERCISES=1 $(BIN)/python -m pytest tests playbook notebooks \
		--doctest-modules --nbval-lax --nbval-current-env --nbval-cell-timeout=180 \
		--nbval-sanitize-with tests/nbval_sanitize.cfg

test-fast: setup
	PLAYBOOK_STRICT_EXERCISES=1 $(BIN)/python -m pytest tests playbook --doctest-modules

bench: setup
	$(BIN)/python benchmarks/bench_generate.py
	$(BIN)/python benchmarks/bench_clv.py

student: setup
	$(BIN)/python scripts/make_student.py notebooks editions/student

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
