# Two commands for a new user: `make run` and `make test`. Everything else is
# what they need: a venv, the CPU build of torch, the package, a fresh index.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8501
API_PORT ?= 8000
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run serve test install index lint eval bench clean

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

run: index
	$(BIN)/streamlit run app.py --server.headless true --server.port $(PORT) --browser.gatherUsageStats false

# The HTTP API on http://127.0.0.1:$(API_PORT) (docs at /docs); see README, "HTTP API".
serve: index
	$(BIN)/faqrag serve --port $(API_PORT)

test: install
	$(BIN)/ruff check src tests app.py bench tools
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check src tests app.py bench tools
	$(BIN)/ruff format --check src tests app.py bench

eval: index
	$(BIN)/faqrag eval ../shared/eval/dev.jsonl --report report.html

# Speed and quality against their floors; see bench/RESULTS.md. Best on an idle machine.
bench: install
	$(BIN)/python bench/latency.py
	$(BIN)/python bench/cold_start.py
	$(BIN)/python bench/throughput.py
	$(BIN)/python bench/recipe.py
	$(BIN)/python bench/onnx_speed.py
	$(BIN)/python bench/serve_cold_start.py
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache src/*.egg-info
