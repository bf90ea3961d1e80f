#!/usr/bin/env bash
# The project's one test command (`make test` runs it; so does CI).
#
#   1. checks that Odoo 19.0 is importable and PostgreSQL reachable;
#   2. installs our add-ons into a fresh, uniquely named database (no demo data)
#      and fails if the install log has a WARNING/ERROR/CRITICAL record about them;
#   3. runs every test (Odoo tests through pytest-odoo, plain pytest tests)
#      against that database, with an HTTP server for HttpCase/tours;
#   4. drops the database (also on failure or Ctrl-C).
#
# Usage: bash tests/run_tests.sh [extra pytest arguments]
#        make test ARGS="-k plan -x"
#
# Environment:
#   PYTHON            Python running Odoo and pytest (default: python3)
#   PGHOST PGPORT PGUSER PGPASSWORD
#                     PostgreSQL connection (default: localhost 5432 odoo odoo)
#   KEEP_DB=1         keep the test database and its data dir afterwards
#   ODOO_HTTP=0       do not start Odoo's HTTP server (HttpCase tests are then skipped)
#   LOG_DIR           where the logs go (default: .test-logs/ in the repository)
#   INSTALL_LOG_PATTERN
#                     regex of what counts as "about our add-ons" in the install
#                     log (default: commission_tracking|\bcommission\.[a-z_])
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-python3}"
MODULES="commission_tracking,commission_tracking_report,commission_tracking_e2e"
TEST_PATHS=(commission_tracking commission_tracking_report tests)

export PGHOST="${PGHOST:-localhost}"
export PGPORT="${PGPORT:-5432}"
export PGUSER="${PGUSER:-odoo}"
export PGPASSWORD="${PGPASSWORD:-odoo}"
# Odoo 19 reads PGDATABASE as its -d option: never let it pick another database.
unset PGDATABASE

step() { printf '\n==> %s\n' "$*"; }

step "Checking the environment"
"$PYTHON" tests/odoo_env.py check

ADDONS_PATH="$("$PYTHON" tests/odoo_env.py addons-path)"
echo "addons path: $ADDONS_PATH"

DB="ct_test_$(date +%Y%m%d_%H%M%S)_$$"
WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/ct_test.XXXXXX")"
DATA_DIR="$WORK_DIR/data" # filestore and sessions of the test database
LOG_DIR="${LOG_DIR:-$ROOT/.test-logs}"
mkdir -p "$LOG_DIR"
INSTALL_LOG="$LOG_DIR/install-$DB.log"
PYTEST_LOG="$LOG_DIR/pytest-$DB.log"
SUMMARY=""
DB_CREATED=0

# shellcheck disable=SC2317  # called through the EXIT trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ "${KEEP_DB:-0}" == "1" ]]; then
        echo "KEEP_DB=1: database $DB and data dir $DATA_DIR are kept."
    else
        if [[ "$DB_CREATED" == "1" ]]; then
            if "$PYTHON" tests/odoo_env.py drop-db "$DB"; then
                echo "Dropped database $DB."
            else
                echo "WARNING: could not drop database $DB; drop it by hand." >&2
                rc=1
            fi
        fi
        rm -rf "$WORK_DIR"
    fi
    # pytest's summary line stays the last line of the output.
    if [[ -n "$SUMMARY" ]]; then
        echo "$SUMMARY"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------
step "Installing $MODULES into the new database $DB (log: ${INSTALL_LOG#"$ROOT"/})"
DB_CREATED=1
start=$SECONDS
set +e
"$PYTHON" -m odoo \
    -d "$DB" \
    --addons-path="$ADDONS_PATH" \
    --data-dir="$DATA_DIR" \
    -i "$MODULES" \
    --stop-after-init \
    --max-cron-threads=0 \
    --http-interface=127.0.0.1 \
    --log-level=warn \
    >"$INSTALL_LOG" 2>&1
install_rc=$?
set -e
echo "install took $((SECONDS - start))s (exit code $install_rc)"
if [[ $install_rc -ne 0 ]]; then
    echo "ERROR: installing $MODULES failed; the end of the log:" >&2
    tail -n 60 "$INSTALL_LOG" >&2
    exit 1
fi

step "Checking the install log for warnings about our add-ons"
install_log_ok=1
"$PYTHON" tests/odoo_env.py check-log "$INSTALL_LOG" || install_log_ok=0

# ---------------------------------------------------------------------------
PYTEST_ARGS=(
    "--odoo-database=$DB"
    "--odoo-addons-path=$ADDONS_PATH"
    "--odoo-log-level=warn"
    "--odoo-extra=data-dir=$DATA_DIR"
    "--odoo-extra=max-cron-threads=0"
    "--odoo-extra=http-interface=127.0.0.1"
)
if [[ "${ODOO_HTTP:-1}" != "0" ]]; then
    PYTEST_ARGS+=("--odoo-http")
fi

# Default test paths, unless the extra arguments name a path themselves.
paths_given=0
for arg in "$@"; do
    if [[ "$arg" != -* && -e "${arg%%::*}" ]]; then
        paths_given=1
    fi
done
if [[ $paths_given -eq 0 ]]; then
    PYTEST_ARGS+=("${TEST_PATHS[@]}")
fi

step "Running the tests: $PYTHON -m pytest ${PYTEST_ARGS[*]} $*"
start=$SECONDS
set +e
"$PYTHON" -m pytest "${PYTEST_ARGS[@]}" "$@" 2>&1 | tee "$PYTEST_LOG"
pytest_rc=${PIPESTATUS[0]}
set -e
echo "pytest took $((SECONDS - start))s (exit code $pytest_rc, log: ${PYTEST_LOG#"$ROOT"/})"
SUMMARY="$(grep -E '^=+ .* in [0-9.]+s.* =+$' "$PYTEST_LOG" | tail -n 1 || true)"

rc=0
if [[ $pytest_rc -eq 5 ]]; then
    echo "ERROR: pytest collected no tests (exit code 5)." >&2
    rc=1
elif [[ $pytest_rc -ne 0 ]]; then
    echo "ERROR: pytest failed (exit code $pytest_rc)." >&2
    rc=1
fi
if [[ $install_log_ok -ne 1 ]]; then
    echo "ERROR: the install log has warnings about our add-ons (see above)." >&2
    rc=1
fi
if [[ $rc -eq 0 ]]; then
    echo "All checks passed: clean install log, pytest exit code 0."
fi
exit "$rc"
