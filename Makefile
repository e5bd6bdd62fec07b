# The first commands a new user types: `make help`, `make demo`, `make crawl`, `make test`.
# Each creates the virtualenv and installs requirements.txt and the project when needed.
#
# VENV=DIR uses (or creates) the virtualenv at DIR instead of .venv: the fresh-clone
# test runs `make demo` in a clone with the checkout's own .venv. The install stamp
# is named for the contents of requirements.txt and pyproject.toml, not their times,
# so a clone with the same files reuses that virtualenv as it is.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml | cksum | cut -d' ' -f1)
PEERS_STAMP := $(VENV)/.peers-$(shell cat requirements.txt bench/requirements.txt | cksum | cut -d' ' -f1)
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check
ARGS   ?=

.DEFAULT_GOAL := help
.PHONY: help install chromium redis crawl cron demo test lint eval peers bench clean

help: ## list the targets
	@awk -F':.*## ' '/^[a-z]+:.*## / { printf "  make %-9s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)
	@echo "  (ARGS='…' passes arguments to crawl, cron and eval; VENV=DIR uses another virtualenv)"

$(STAMP):
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements.txt
	$(PIP) --no-deps --no-build-isolation -e .
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP) chromium redis ## create the virtualenv, install the requirements and the project, find a Chromium and a Redis server

## A browser for the click counts that only JavaScript shows (PARKNEWS_RENDER=auto).
## Playwright's own download is not needed: a system Chromium is used. Without
## one, those articles get clicks=null (see README, "Click counts").
chromium: ## install Debian's chromium when none is on PATH (as root with apt), else say how
	@if command -v chromium >/dev/null || command -v chromium-browser >/dev/null \
	    || command -v google-chrome-stable >/dev/null || command -v google-chrome >/dev/null; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Chromium (apt-get install chromium)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
	    echo "note: no Chromium found: install your system's chromium package, or set PARKNEWS_CHROMIUM"; \
	fi

## A Redis server for distributed mode (PARKNEWS_REDIS_URL) and for its tests,
## which start their own on 127.0.0.1. The default single-machine crawl needs none.
redis: ## install Debian's redis-server when none is on PATH (as root with apt), else say how
	@if command -v redis-server >/dev/null || test -x /usr/bin/redis-server; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Redis (apt-get install redis-server)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
	else \
	    echo "note: no redis-server found: install your system's redis-server package for distributed mode and its tests"; \
	fi

crawl: install ## crawl the live site: new articles go to data/parknews-<UTC time>.jsonl
	$(BIN)/scrapy crawl parknews $(ARGS)

cron: install ## the scheduled run: the same crawl through bin/parknews-cron (one run at a time)
	bin/parknews-cron $(ARGS)

demo: install ## crawl the saved fixture site offline (a local server on 127.0.0.1) into data/demo.jsonl
	$(BIN)/python -m parknews.replay demo

test: install ## run the tests (local servers on 127.0.0.1 only, no network)
	$(BIN)/python -m pytest

lint: $(STAMP) ## ruff check and ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## ARGS passes corpora and options: make eval ARGS='--floor .ci/eval-floor.json fixtures'
eval: $(PEERS_STAMP) ## score extraction on saved pages beside GNE and trafilatura: data/eval-report.json
	$(BIN)/scrapy eval $(ARGS)

## the project's pins win
peers: $(PEERS_STAMP) ## install the extractors parknews is compared with (and py-spy for the bench) into the virtualenv

$(PEERS_STAMP): $(STAMP) bench/requirements.txt
	$(PIP) -r bench/requirements.txt -c requirements.txt
	@rm -f $(VENV)/.peers-* && touch $@

## What a crawl costs, beside bare Scrapy, trafilatura and GNE, on a local replay
## site of N articles (default 5000): prints a table, writes bench/results.json
N ?= 5000
BENCH_ARGS ?=
bench: install $(PEERS_STAMP) ## measure a crawl of N (5000) articles against bare Scrapy, trafilatura and GNE
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx \
	    || { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && echo "Installing nginx (apt-get install nginx)" \
	         && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; } \
	    || echo "note: no nginx: the bench serves the site with its own asyncio server"
	$(BIN)/python bench/run.py --n $(N) $(BENCH_ARGS)

clean: ## remove the virtualenv and the tools' caches (not data/ or .parknews/)
	rm -rf $(VENV) .pytest_cache .ruff_cache
