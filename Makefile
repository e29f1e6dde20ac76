# Quick start: `make demo` (set up + run the demo stack against the local emulator), `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup demo demo-stop test emulator reliability-report benchmark benchmark-program benchmark-import clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

demo: setup
	$(PY) -m pulumi_groups demo

demo-stop:
	-kill $$(cat .demo/emulator.pid) 2>/dev/null; rm -f .demo/emulator.pid

test: setup
	$(PY) -m pytest

emulator: setup
	$(PY) -m pulumi_groups.emulator --port 18080 --state .demo/emulator-state.json

clean:
	rm -rf $(VENV) .demo .pulumi build provider/*.egg-info

reliability-report: setup
	$(PY) scripts/reliability_report.py

benchmark: setup
	$(PY) benchmarks/refresh_benchmark.py $(ARGS)

benchmark-program: setup
	$(PY) benchmarks/program_benchmark.py $(ARGS)

benchmark-import: setup
	$(PY) benchmarks/import_benchmark.py $(ARGS)
