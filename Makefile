# The first commands a new user types: `make crawl` (or `make demo`) and `make test`.
# Each creates .venv and installs requirements.txt when needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum < requirements.txt | cut -d' ' -f1)
ARGS   ?=

.PHONY: install crawl cron demo test lint clean

$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

## crawl the live site: new articles go to data/parknews-<UTC time>.jsonl
crawl: $(STAMP)
	$(BIN)/scrapy crawl parknews $(ARGS)

## the scheduled run: same crawl through the entry script cron uses (one run at a time)
cron: $(STAMP)
	bin/parknews-cron $(ARGS)

## crawl the saved fixture site offline (local server on 127.0.0.1) into data/demo.jsonl
demo: $(STAMP)
	$(BIN)/python -m parknews.replay demo --out data/demo.jsonl

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
