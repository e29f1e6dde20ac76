# Quick start: `make demo` (set up + run the demo stack against the local emulator), `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup cli demo demo-stop lint docs test test-fast ownership emulator reliability-report benchmark benchmark-cli benchmark-program benchmark-import mutation clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# The pulumi CLI, built from its Go modules into .pulumi-cli/bin (tools/pulumi-cli pins the
# version; reused while the pin is unchanged). Without `go` this says so and the end-to-end suite
# skips with that reason; `make demo` then tries other ways and explains.
cli:
	@if command -v go >/dev/null 2>&1; then bash scripts/pulumi-cli.sh >/dev/null; \
	else echo "make cli: no 'go' on PATH: the pulumi CLI cannot be built here (tests/e2e will skip)"; fi

demo: setup
	$(PY) -m pulumi_groups demo

demo-stop:
	-kill $$(cat .demo/emulator.pid) 2>/dev/null; rm -f .demo/emulator.pid

# Lint (pyflakes, pycodestyle, import order, bugbear, pyupgrade) over the package, its tests,
# scripts, benchmarks and stack program. Types (mypy) over the package. Settings: pyproject.toml.
lint: setup
	$(PY) -m ruff check provider tests scripts benchmarks stacks tools/docs
	$(PY) -m mypy

# The docs site: Markdown pages in docs/ built by Sphinx (MyST), strictly: a broken link or
# anchor, a missing page or one outside the table of contents fails it. The README is not part of
# the site, so its own links to docs/ are checked beside it. Open docs/_build/html/index.html.
docs: setup
	$(PY) tools/docs/check_readme_links.py README.md
	$(PY) -m sphinx -W -n --keep-going -q -b html docs docs/_build/html

# lint first: a finding fails in seconds, then the docs, before the CLI build and the suite.
test: setup lint docs cli
	$(PY) -m pytest

# Everything but the end-to-end suite through the real CLI.
test-fast: setup lint
	$(PY) -m pytest --ignore=tests/e2e

# The randomized ownership test (tests/ownership) at length: random seeds, 300 examples of up to
# 40 steps (tens of minutes; CI runs 30 with a fixed seed). A failure prints the steps that
# replay it and @reproduce_failure; OWNERSHIP_SEED=N seeds a run.
ownership: setup
	OWNERSHIP_PROFILE=ownership-long $(PY) -m pytest tests/ownership/test_ownership_machine.py -x -s --timeout=0 $(ARGS)

emulator: setup
	$(PY) -m pulumi_groups.emulator --port 18080 --state .demo/emulator-state.json

clean:
	rm -rf $(VENV) .demo .pulumi build provider/*.egg-info docs/_build

reliability-report: setup
	$(PY) scripts/reliability_report.py

benchmark-cli: setup cli
	$(PY) benchmarks/cli_benchmark.py $(ARGS)

benchmark: setup
	$(PY) benchmarks/refresh_benchmark.py $(ARGS)

# Mutation testing (not CI: minutes). `make mutation MODULES="transport tokens"` runs some modules only.
mutation: setup
	$(PY) -m pip install --quiet -e '.[mutation]'
	$(PY) tests/mutation/run_mutation.py $(MODULES)

benchmark-program: setup
	$(PY) benchmarks/program_benchmark.py $(ARGS)

benchmark-import: setup
	$(PY) benchmarks/import_benchmark.py $(ARGS)
