# Yunjin: every target bootstraps .venv first (quick when nothing changed).
VENV := .venv
BIN := $(VENV)/bin
DATA ?= yunjin-data

.PHONY: demo test check golden bench setup clean

setup:
	@scripts/bootstrap
	@scripts/portal-assets

demo: setup
	$(BIN)/yunjin demo --data $(DATA)

test: setup
	@scripts/debian-deps fonts-dejavu-core=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf nginx-light=/usr/sbin/nginx chromium=/usr/bin/chromium fonts-wqy-microhei=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc vlc-bin=/usr/bin/cvlc vlc-plugin-base=/usr/lib/x86_64-linux-gnu/vlc/plugins/demux/libadaptive_plugin.so xmltv-util=/usr/bin/tv_validate_file
	$(BIN)/pytest

check: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

# rewrite tests/golden/files/ from what the code makes now; review the diff before committing
golden: setup
	$(BIN)/pytest tests/golden --update-golden

bench: setup
	@scripts/debian-deps fonts-dejavu-core=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf nginx-light=/usr/sbin/nginx wrk=/usr/bin/wrk chromium=/usr/bin/chromium
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
