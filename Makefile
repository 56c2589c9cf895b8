# Two commands for a new user: `make run` and `make test`. Everything else is
# what they need: a venv, the CPU build of torch, the package, a fresh index.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8501
# Address the page listens on: this machine only, unless you mean to serve
# others (make run HOST=0.0.0.0; then set FAQRAG_ADMIN_PASSWORD, see README).
HOST   ?= 127.0.0.1
API_PORT ?= 8000
# A site allowed to embed the widget (make serve CORS_ORIGIN=https://help.example.com).
CORS_ORIGIN ?=
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run serve test install index serving-index lint eval bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch first and pinned: left to sentence-transformers, pip would fetch a
# multi-GB CUDA build; 2.13.0 resolves to the CPU wheel on these machines.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check "torch==2.13.0"
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

# Builds only when the index is missing, stale, or from another model/settings.
index: install
	$(BIN)/faqrag build --if-stale

# The page and the API start on the last good index when the corpus does not
# build (a bad file: the error above names it), rather than not at all.
serving-index: install
	@$(BIN)/faqrag build --if-stale || { test -f index/manifest.json && \
		echo "make: the corpus did not build (see above); starting on the last good index" >&2; }

run: serving-index
	$(BIN)/streamlit run app.py --server.headless true --server.address $(HOST) --server.port $(PORT) \
		--server.fileWatcherType none --client.toolbarMode minimal --browser.gatherUsageStats false

# The HTTP API on http://127.0.0.1:$(API_PORT) (docs at /docs); see README, "HTTP API".
serve: serving-index
	$(BIN)/faqrag serve --host $(HOST) --port $(API_PORT) $(if $(CORS_ORIGIN),--cors-origin $(CORS_ORIGIN))

test: install
	$(BIN)/ruff check src tests app.py bench tools app_pages
	$(BIN)/pytest -q -n 2  # two workers: half the suite waits on servers, browsers and child processes

lint: install
	$(BIN)/ruff check src tests app.py bench tools app_pages
	$(BIN)/ruff format --check src tests app.py bench tools app_pages

# Every labelled set in eval/ against its own corpus (other corpora are indexed
# under build/eval-index/), one summary table; reports in build/eval-report/.
eval: index
	$(BIN)/python tools/eval_all.py

# Speed and quality against their floors; see bench/RESULTS.md. Best on an idle machine.
# Every figure the README quotes, with the date and machine to paste beside them.
bench: install
	@echo "== $$(date -u '+%Y-%m-%d %H:%M UTC'); $$(nproc) CPUs ($$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')); $$(free -g | awk '/^Mem/ {print $$2}') GB RAM; load $$(cut -d' ' -f1 /proc/loadavg)"
	$(BIN)/python bench/latency.py
	$(BIN)/python bench/cold_start.py
	$(BIN)/python bench/throughput.py
	$(BIN)/python bench/recipe.py
	$(BIN)/python bench/page_first_answer.py
	$(BIN)/python bench/parse_adversarial.py --steps 3
	$(BIN)/python bench/onnx_speed.py
	$(BIN)/python bench/serve_cold_start.py
	$(BIN)/python bench/load.py
	$(BIN)/python bench/encode_batches.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache src/*.egg-info build
