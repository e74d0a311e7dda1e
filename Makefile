# Every target builds its own virtual environment first, so the commands in
# README.md work on a fresh machine with nothing but Python 3.11+.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: example picture test lint typecheck docs ci clean mutate bench-stores bench-facts bench-floor bench-words bench-load bench-writers bench-answers

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "timeline needs Python 3.11+")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --editable ".[postgres,pandas,polars,ftm,plot,words]" --group dev
	touch $@

# The example needs the package and its runtime dependencies only: a virtual environment of
# its own, so `make example` on a fresh clone installs seven small packages, not the
# development set (sphinx, mypy, pandas, polars, matplotlib, ...).
EXAMPLE_VENV ?= .venv-example

$(EXAMPLE_VENV)/bin/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "timeline needs Python 3.11+")'
	$(PYTHON) -m venv $(EXAMPLE_VENV)
	$(EXAMPLE_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --editable .
	touch $@

example: $(EXAMPLE_VENV)/bin/.installed  ## Rebuild the seed timeline and answer questions at (valid, known) times.
	$(EXAMPLE_VENV)/bin/python examples/in_force.py

picture: $(BIN)/.installed  ## Draw the seed timeline for README and the tutorial (docs/_static).
	$(BIN)/python examples/picture.py docs/_static/seed-timeline.png

test: $(BIN)/.installed  ## The whole test suite, README and docs examples included.
	$(BIN)/python -m pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(BIN)/.installed
	$(BIN)/mypy src/ tests/typing/

docs: $(BIN)/.installed
	$(BIN)/sphinx-build -W --keep-going -q -b html docs docs/_build/html

ci: test lint typecheck docs

clean:
	rm -rf $(VENV) $(EXAMPLE_VENV) docs/_build .pytest_cache .mypy_cache .ruff_cache .hypothesis mutants

# The core's functions, by mutmut's names ("?" stands for its class separator): the
# three-valued answer, the facts index's known and valid filters, the hash chain, and the
# stores' torn-tail and expected-position checks. Long: not part of ci.
MUTANTS := \
	'timeline._answer.*' \
	'timeline.time._question.x?Extent?_during__mutmut_*' \
	'timeline.time._question.x?Question?answer__mutmut_*' \
	'timeline.time._question.x?Question?_plain__mutmut_*' \
	'timeline.time._moment.x__meets__mutmut_*' \
	'timeline.time._sets.x__range_answer__mutmut_*' \
	'timeline.facts._questions.x?_Questions?_known__mutmut_*' \
	'timeline.facts._questions.x?_Questions?_found__mutmut_*' \
	'timeline.facts._filing.x?_Filing?_close__mutmut_*' \
	'timeline.facts._keys.x__sets_of__mutmut_*' \
	'timeline._codec._chain.x_chain_hash__mutmut_*' \
	'timeline._codec._chain.x__hash__mutmut_*' \
	'timeline.stores._integrity.x__check__mutmut_*' \
	'timeline.stores._integrity.x__against_pin__mutmut_*' \
	'timeline.stores._common.x_check_append__mutmut_*' \
	'timeline.stores._common.x_check_follows__mutmut_*' \
	'timeline.stores._jsonl.x?JsonLinesStore?_load__mutmut_*' \
	'timeline.stores._jsonl.x?JsonLinesStore?append__mutmut_*' \
	'timeline.stores._jsonl.x?JsonLinesStore?repair__mutmut_*' \
	'timeline.stores._jsonl.x?Damage?__str____mutmut_*'

mutate: $(BIN)/.installed  ## Mutation testing of the core (mutmut); survivors: docs/explanation/guarantees.md.
	$(BIN)/python -m pip install --quiet --group mutate
	nice -n 19 $(BIN)/mutmut run --max-children 1 $(MUTANTS)
	$(BIN)/mutmut results

# The benchmarks' own environment: the project plus eventsourcing and DuckDB, for comparison only.
BENCH := .venv-bench/bin
$(BENCH)/.installed: pyproject.toml
	$(PYTHON) -m venv .venv-bench
	$(BENCH)/python -m pip install --quiet --upgrade pip
	$(BENCH)/python -m pip install --quiet --editable ".[postgres]" "eventsourcing[postgres]>=9.4" "duckdb>=1.0"
	touch $@

bench-stores: $(BENCH)/.installed  ## Store throughput and size, beside eventsourcing.
	$(BENCH)/python bench/stores.py

bench-postgres: $(BENCH)/.installed  ## The PostgreSQL store beside eventsourcing's recorder; 8 writers.
	$(BENCH)/python bench/postgres.py

bench-writers: $(BENCH)/.installed  ## Eight writers against one, this tree against HEAD~ (BEFORE=...), and eventsourcing's.
	git worktree add -f /tmp/timeline-before $${BEFORE:-HEAD~} >/dev/null 2>&1 || true
	$(BENCH)/python bench/writers.py /tmp/timeline-before .

bench-answers: $(BENCH)/.installed  ## Filtered and full answers, beside a plain SQLite table and DuckDB.
	$(BENCH)/python bench/answers.py --sizes 50000 1000000

bench-facts: $(BIN)/.installed  ## Temporal facts: build, catch-up, query latency, memory.
	$(BIN)/python bench/facts.py

bench-words: $(BIN)/.installed  ## timeline.words: import cost of the words extra; a phrase beside dateparser.
	$(BIN)/python bench/words.py

bench-load: $(BIN)/.installed  ## timeline load beside plain inserts; ratios to the last release's figures.
	$(BIN)/python bench/load.py --compare bench/load-baseline.json

bench-floor: $(BIN)/.installed  ## What each step of an append costs alone, on this machine.
	$(BIN)/python bench/floor.py
