# The first commands a new user types: `make crawl` (or `make demo`) and `make test`.
# Each creates .venv and installs requirements.txt when needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum < requirements.txt | cut -d' ' -f1)
PEERS_STAMP := $(VENV)/.peers-$(shell cat requirements.txt bench/requirements.txt | cksum | cut -d' ' -f1)
ARGS   ?=

.PHONY: install chromium crawl cron demo test lint eval peers bench clean

$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP) chromium

## A browser for the click counts that only JavaScript shows (PARKNEWS_RENDER=auto).
## Playwright's own download is not needed: a system Chromium is used. Without
## one, those articles get clicks=null (see README, "Click counts").
chromium:
	@if command -v chromium >/dev/null || command -v chromium-browser >/dev/null \
	    || command -v google-chrome-stable >/dev/null || command -v google-chrome >/dev/null; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Chromium (apt-get install chromium)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
	    echo "note: no Chromium found: install your system's chromium package, or set PARKNEWS_CHROMIUM"; \
	fi

## crawl the live site: new articles go to data/parknews-<UTC time>.jsonl
crawl: install
	$(BIN)/scrapy crawl parknews $(ARGS)

## the scheduled run: same crawl through the entry script cron uses (one run at a time)
cron: install
	bin/parknews-cron $(ARGS)

## crawl the saved fixture site offline (local server on 127.0.0.1) into data/demo.jsonl
demo: install
	$(BIN)/python -m parknews.replay demo --out data/demo.jsonl

test: install
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## score extraction field by field on corpora of saved pages (default: fixtures/ and, when it
## exists, ../shared/realworld-dev/), beside GNE and trafilatura; writes data/eval-report.json.
## ARGS passes corpora and options: make eval ARGS='--floor .ci/eval-floor.json fixtures'
eval: $(PEERS_STAMP)
	$(BIN)/scrapy eval $(ARGS)

## the extractors parknews is compared with (and py-spy for the bench), into .venv; the
## project's pins win
peers: $(PEERS_STAMP)

$(PEERS_STAMP): $(STAMP) bench/requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r bench/requirements.txt -c requirements.txt
	@rm -f $(VENV)/.peers-* && touch $@

## what a crawl costs, beside bare Scrapy, trafilatura and GNE, on a local replay
## site of N articles (default 5000): prints a table, writes bench/results.json
N ?= 5000
BENCH_ARGS ?=
bench: install $(PEERS_STAMP)
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx \
	    || { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && echo "Installing nginx (apt-get install nginx)" \
	         && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; } \
	    || echo "note: no nginx: the bench serves the site with its own asyncio server"
	$(BIN)/python bench/run.py --n $(N) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
