# Two commands: `make run` (install, load the bundled data, serve on http://127.0.0.1:8000) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install run load serve test test-remote lint clean browser bench bench-quick train-relations stress

install: $(VENV)/.installed node_modules/.package-lock.json

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "critmin needs Python 3.11 or newer"'
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "python venv module missing: installing Debian's python3-venv"; \
	  apt-get update -qq && apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); }
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

# Front-end libraries (package.json, package-lock.json) for /static/vendor/; again whenever the lock changes.
node_modules/.package-lock.json: package-lock.json package.json
	@command -v npm >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || { \
	  echo "installing Debian's nodejs and npm for the front-end libraries"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; } || true
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund && touch $@; else \
	  echo "make install: WARNING: npm is missing, so /static/vendor/ (YASGUI, Leaflet, Chart.js) stays empty:" \
	  "the /query workbench and maps will not work and the browser tests skip. Install Node.js and npm" \
	  "(Debian: apt-get install -y nodejs npm), then run make install again." >&2; fi

# Debian's Chromium for the browser tests (tests/browser), when it is missing; they skip, saying why, without it.
browser:
	@test -x /usr/bin/chromium || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) || \
	  echo "could not install chromium: the browser tests will be skipped" >&2; }

# The bundled demonstration texts too, so the first pages show extracted facts with their evidence. Progress goes
# to stderr; the entity listing on stdout is left out here.
load: install
	$(BIN)/critmin load
	$(BIN)/critmin extract data/documents --load >/dev/null

serve: install
	$(BIN)/critmin serve

run: load serve

# The benchmark harness (bench/run.py): critmin against in-process pyoxigraph, the Oxigraph server and
# rdflib-endpoint at 1M and 10M synthetic triples, load, entity pages, autocomplete, memory, and NLP extraction
# against bare spaCy (bench/nlp.py). Prints a markdown table; writes bench/results/latest.json and latest.md. About
# 16 minutes on 2 cores; generated data is cached in bench/.cache/ (about 1.6 GB at 10M). bench-quick: 100k, ~2 min.
bench: install
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/run.py

bench-quick: install
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/run.py --quick --out bench/results/quick.json

# Retrain the relation model (extractors/nlp/model/relations.json) on the annotated corpus, all but the newest
# held-aside folder, with the graph names of var/store (run `make load` first). About 20 seconds.
CORPUS := tests/nlp/corpus
TRAINING_FOLDERS := dev fresh test dev2 dev3 heldout heldout2 heldout3 heldout4 heldout5 heldout6
train-relations: install
	$(BIN)/python -m extractors.nlp.train_relations --store var/store $(addprefix $(CORPUS)/,$(TRAINING_FOLDERS))

lint: install
	$(BIN)/ruff check .

# Both passes run in TEST_WORKERS pytest-xdist processes, a test file to each at a time (--dist loadfile: a module's
# app, built once by its module-scoped fixture, is not built again in the other process); TEST_WORKERS=0 runs them
# in this one. On 2 cores the main pass (1,862 tests) took 7 min 36 s so, against 13 min 5 s in one process.
TEST_WORKERS ?= 2
PYTEST := $(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile

test: install browser
	$(BIN)/ruff check .
	$(PYTEST)
	$(MAKE) --no-print-directory test-remote

# Every app test again over a remote store: each app is served by a real `oxigraph serve` on loopback
# (docs/remote-store.md, "The remote test pass"): all of tests/api, the browser tests, the demonstration
# documents' pages and tests/security, 732 tests in 12 minutes on 2 cores with the fuzzing. The OpenAPI fuzzing
# (tests/security/test_fuzz.py, about 3 minutes) and the SPARQL injection matrix (tests/security/test_injection.py)
# run remotely in make stress instead: with them CI came within two minutes of the 30 it allows.
REMOTE_TESTS := tests/api tests/browser tests/nlp/test_demo_documents.py tests/security
test-remote: install
	CRITMIN_TEST_STORE_BACKEND=remote $(PYTEST) $(REMOTE_TESTS) --ignore=tests/security/test_fuzz.py \
	  --ignore=tests/security/test_injection.py

# The long checks, whose figures go into the closing notes. Crash safety (tests/crash): 100 critmin processes killed
# with SIGKILL during uploads and loads, each store checked after (26 minutes on 2 cores busy with other work).
# Then the fuzzing of every API operation (tests/security/test_fuzz.py) with 50 examples per operation, mode and
# caller (about 10,000 cases; some 20 minutes at the 1,166 cases in 131 s measured in CI), and the default 6 and the
# injection matrix over a remote store. Last the load test (bench/stress.py): 32 clients for 60 s while a partner uploads and feeds reload,
# and look-ups beside ten runaway queries (about 5 minutes; bench/results/stress.md).
stress: install
	CRITMIN_CRASH_TRIALS=100 CRITMIN_CRASH_UPLOAD_TRIPLES=20000 $(BIN)/pytest -q -s -p no:xdist tests/crash/test_crash_safety.py
	CRITMIN_FUZZ_EXAMPLES=50 $(BIN)/pytest -q -p no:xdist tests/security/test_fuzz.py
	CRITMIN_TEST_STORE_BACKEND=remote $(BIN)/pytest -q -p no:xdist tests/security/test_fuzz.py tests/security/test_injection.py
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/stress.py

clean:
	rm -rf $(VENV) var *.egg-info
