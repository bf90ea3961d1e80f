# Developer entry points. Odoo 19.0 must be importable by $(PYTHON) and
# PostgreSQL reachable (PGHOST/PGPORT/PGUSER/PGPASSWORD, default odoo:odoo@localhost:5432).

export PYTHON ?= python3
ARGS ?=
DEMO_DB ?= commission_demo
HTTP_PORT ?= 8069
HTTP_INTERFACE ?= 127.0.0.1
MODULES := commission_tracking,commission_tracking_report

export PGHOST ?= localhost
export PGPORT ?= 5432
export PGUSER ?= odoo
export PGPASSWORD ?= odoo

.DEFAULT_GOAL := help
.PHONY: help test lint run-demo

help:
	@echo "make test      run every test on a fresh database (extra pytest args: ARGS=\"-k foo\")"
	@echo "make lint      run the linters (pre-commit: ruff, ruff format, pylint-odoo)"
	@echo "make run-demo  create the database $(DEMO_DB) with demo data and start Odoo on :$(HTTP_PORT)"

test:
	bash tests/run_tests.sh $(ARGS)

lint:
	pre-commit run --all-files --show-diff-on-failure

# Creates $(DEMO_DB) with both add-ons and demo data on the first run (later runs
# reuse it), then serves it on http://localhost:$(HTTP_PORT) (admin / admin).
# Stop with Ctrl-C; drop with: $(PYTHON) tests/odoo_env.py drop-db $(DEMO_DB)
run-demo:
	$(PYTHON) tests/odoo_env.py check-odoo
	$(PYTHON) tests/odoo_env.py check-db
	$(PYTHON) -m odoo \
		--addons-path="$$($(PYTHON) tests/odoo_env.py addons-path --no-tests)" \
		-d $(DEMO_DB) --db-filter='^$(DEMO_DB)$$' \
		-i $(MODULES) --with-demo \
		--http-interface=$(HTTP_INTERFACE) --http-port=$(HTTP_PORT)
