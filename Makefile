# The two commands a newcomer needs: `make run` (the web app with a demo account)
# and `make test` (lint, types and every test ring).
# Everything else here is what those two need on a fresh machine.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test setup lint bench clean messages

run: setup
	$(VENV)/bin/ketpath serve --demo

# pytest --dist loadfile: a file's tests share one worker, so a module's or
# session's costly fixtures (a live server, Chromium profiles, the
# accessibility walk) start once instead of once on each worker.
# --durations=25: every CI log ends with the slowest tests (the run has to stay
# well under 15 minutes on two cores; this shows where its time goes).
test: setup
	bash scripts/ensure-postgres.sh
	sh scripts/ensure-chromium.sh
	sh scripts/ensure-lighthouse.sh
	command -v pdftoppm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends poppler-utils >/dev/null; }
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(PY) -m pytest -n 2 --dist loadfile --durations=25

setup: $(STAMP)
	sh scripts/ensure-fonts.sh

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[all,test]"
	touch $(STAMP)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Every benchmark in turn, one table of every figure (target, ratio, met/missed),
# then README's speed table regenerated from it, even when a figure was missing.
bench: setup
	bash scripts/ensure-postgres.sh
	sh scripts/ensure-chromium.sh
	$(PY) benchmarks/run_all.py --json build/bench.json; status=$$?; \
	$(PY) scripts/readme_speed_table.py build/bench.json && exit $$status

# Extract the UI strings (babel.cfg) and bring every catalog up to date; the
# web app compiles the .po files in memory, so there is nothing to build.
messages: setup
	$(VENV)/bin/pybabel extract -F babel.cfg -k N_ --add-location=file --sort-output --project ketpath -o src/ketpath/locale/ketpath.pot .
	$(VENV)/bin/pybabel update -i src/ketpath/locale/ketpath.pot -d src/ketpath/locale -D ketpath --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
