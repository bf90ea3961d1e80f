#!/usr/bin/env python3
# pylint: disable=print-used
# (a command-line helper: printing is its job)
"""Environment helper shared by ``tests/run_tests.sh`` and the ``Makefile``.

The project never ships Odoo: it only assumes that ``import odoo`` works (as in the
official ``odoo:19.0`` Docker image, or a source checkout on ``PYTHONPATH``).
Everything Odoo-specific is therefore derived from the imported ``odoo`` package.

Sub-commands (run ``python3 tests/odoo_env.py -h``):

``check``
    Verify that Odoo 19.0 is importable, that pytest-odoo is installed and that
    PostgreSQL is reachable with a role allowed to create databases.
``addons-path [--no-tests]``
    Print the comma separated addons path: this repository, ``tests/`` (test-only
    add-ons, unless ``--no-tests``) and Odoo's own add-ons directories.
``check-log LOGFILE``
    Fail if a WARNING/ERROR/CRITICAL record of an Odoo log names one of our add-ons.
``drop-db NAME``
    Drop a database (after closing its connections).

Connection settings come from the standard libpq variables PGHOST, PGPORT, PGUSER
and PGPASSWORD, which Odoo 19 also reads; defaults: localhost, 5432, odoo, odoo.
"""

import argparse
import os
import re
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS_DIR = os.path.join(REPO_ROOT, "tests")
OUR_ADDONS = ("commission_tracking", "commission_tracking_report", "commission_tracking_e2e")
ODOO_SERIES = (19, 0)

# What the install-log check looks for: our add-on names (which also covers the
# logger names ``odoo.addons.commission_tracking...`` and file paths in
# tracebacks/py.warnings) and our model names (``commission.plan`` ...), which is
# how the ORM names the culprit in field/view warnings.
DEFAULT_LOG_PATTERN = r"commission_tracking|\bcommission\.[a-z_]"
LOG_RECORD_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3} \d+ "
    r"(?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL|\?)\s"
)
ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")

DB_DEFAULTS = {"PGHOST": "localhost", "PGPORT": "5432", "PGUSER": "odoo", "PGPASSWORD": "odoo"}


def _err(msg):
    print(f"ERROR: {msg}", file=sys.stderr)


def _is_addons_dir(path):
    """Same test as Odoo's ``config._is_addons_path``: holds at least one module."""
    if not os.path.isdir(path):
        return False
    for name in os.listdir(path):
        mod = os.path.join(path, name)
        if os.path.isfile(os.path.join(mod, "__init__.py")) and os.path.isfile(
            os.path.join(mod, "__manifest__.py")
        ):
            return True
    return False


def odoo_addons_dirs():
    """Odoo's own add-ons directories, computed like Odoo 19 does.

    ``odoo/tools/config.py`` defines ``root_path`` as the directory of the ``odoo``
    package, ``addons_base_dir = root_path/addons`` (``base``, ``web``... and, in
    the Debian package / Docker image, every add-on) and ``addons_community_dir =
    dirname(root_path)/addons`` (the ``addons/`` folder beside ``odoo/`` in a source
    checkout). ``odoo`` may be a namespace package (no ``__file__``), so the
    package directory is taken from ``odoo.release``.
    """
    import odoo.release  # noqa: PLC0415 - only needed here

    root_path = os.path.dirname(os.path.abspath(odoo.release.__file__))
    candidates = [
        os.path.join(root_path, "addons"),
        os.path.join(os.path.dirname(root_path), "addons"),
    ]
    return [path for path in candidates if _is_addons_dir(path)]


def addons_path(with_tests=True):
    paths = [REPO_ROOT]
    if with_tests:
        paths.append(TESTS_DIR)
    for path in odoo_addons_dirs():
        if path not in paths:
            paths.append(path)
    return ",".join(paths)


def db_settings():
    return {key: os.environ.get(key) or default for key, default in DB_DEFAULTS.items()}


def _connect(dbname="postgres"):
    import psycopg2  # noqa: PLC0415 - Odoo dependency, checked before use

    s = db_settings()
    return psycopg2.connect(
        dbname=dbname,
        host=s["PGHOST"],
        port=s["PGPORT"],
        user=s["PGUSER"],
        password=s["PGPASSWORD"],
        connect_timeout=10,
    )


def check_odoo():
    try:
        import odoo.release  # noqa: PLC0415
    except ImportError as exc:
        _err(
            f"Odoo is not importable by {sys.executable} ({exc}).\n"
            "  This project needs Odoo 19.0 Community installed for this Python:\n"
            "  - use the official odoo:19.0 Docker image (see README, 'Quick start'), or\n"
            "  - install Odoo 19.0 from source and its requirements, then make it importable,\n"
            "    e.g. `export PYTHONPATH=/path/to/odoo-19.0` (the folder holding odoo-bin).\n"
            "  Check with: python3 -c 'import odoo.release; print(odoo.release.version)'"
        )
        return False
    series = tuple(odoo.release.version_info[:2])
    if series != ODOO_SERIES:
        _err(
            f"Odoo {odoo.release.version} is importable, but these add-ons need Odoo 19.0.\n"
            "  Point PYTHONPATH (or the PYTHON variable) to an Odoo 19.0 installation."
        )
        return False
    if not odoo_addons_dirs():
        _err(
            f"Odoo {odoo.release.version} is importable but its add-ons directory (with "
            "'base') was not found next to the odoo package. Is the installation complete?"
        )
        return False
    print(f"OK: Odoo {odoo.release.version} importable from {odoo.release.__file__}")
    return True


def check_pytest_odoo():
    try:
        import pytest_odoo  # noqa: F401, PLC0415
    except ImportError:
        _err(
            "pytest-odoo is not installed for this Python.\n"
            "  Install the development tools: python3 -m pip install -r requirements-dev.txt"
        )
        return False
    return True


def check_db():
    s = db_settings()
    where = f"{s['PGUSER']}@{s['PGHOST']}:{s['PGPORT']}"
    if s["PGUSER"] == "postgres":
        _err("Odoo refuses to run with the database user 'postgres': set PGUSER to another role.")
        return False
    try:
        import psycopg2  # noqa: PLC0415
    except ImportError:
        _err("psycopg2 is not installed (it is an Odoo requirement): pip install psycopg2")
        return False
    try:
        conn = _connect()
    except psycopg2.OperationalError as exc:
        _err(
            f"PostgreSQL is not reachable as {where}: {str(exc).strip()}\n"
            "  Start PostgreSQL (Debian: `pg_ctlcluster 15 main start`) and create the role:\n"
            "    sudo -u postgres psql -c \"CREATE ROLE odoo LOGIN CREATEDB PASSWORD 'odoo'\"\n"
            "  or point PGHOST/PGPORT/PGUSER/PGPASSWORD to a server and role that exist."
        )
        return False
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user")
            row = cr.fetchone()
            cr.execute("SHOW server_version")
            version = cr.fetchone()[0]
    finally:
        conn.close()
    if not (row and row[0]):
        _err(
            f"PostgreSQL role {s['PGUSER']!r} may not create databases.\n"
            f"  Fix: sudo -u postgres psql -c 'ALTER ROLE \"{s['PGUSER']}\" CREATEDB'"
        )
        return False
    print(f"OK: PostgreSQL {version} reachable as {where} (CREATEDB)")
    return True


def warn_shadowing():
    """Warn when an installed copy of our add-ons would shadow this checkout."""
    try:
        import odoo.addons  # noqa: PLC0415
    except ImportError:
        return
    for path in list(odoo.addons.__path__):
        for name in OUR_ADDONS:
            here = os.path.realpath(path) in (os.path.realpath(REPO_ROOT), TESTS_DIR)
            if os.path.isdir(os.path.join(path, name)) and not here:
                print(
                    f"WARNING: {name} is also installed in {path}; that copy is found "
                    "before this checkout. Uninstall it (pip uninstall odoo-addon-"
                    f"{name}).",
                    file=sys.stderr,
                )


def check_log(logfile, pattern=DEFAULT_LOG_PATTERN):
    """Return the WARNING/ERROR/CRITICAL records of ``logfile`` matching ``pattern``.

    A record is a log header line plus its continuation lines (tracebacks).
    """
    regex = re.compile(pattern)
    records, current = [], None
    with open(logfile, encoding="utf-8", errors="replace") as fh:
        for raw in fh:
            line = ANSI_RE.sub("", raw.rstrip("\n"))
            match = LOG_RECORD_RE.match(line)
            if match:
                current = [match.group("level"), [line]]
                records.append(current)
            elif current is not None:
                current[1].append(line)
    bad = [
        "\n".join(lines)
        for level, lines in records
        if level in ("WARNING", "ERROR", "CRITICAL") and regex.search("\n".join(lines))
    ]
    others = [
        lines[0]
        for level, lines in records
        if level in ("WARNING", "ERROR", "CRITICAL") and not regex.search("\n".join(lines))
    ]
    return bad, others


def drop_db(name):
    from psycopg2 import sql  # noqa: PLC0415

    conn = _connect()
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            cr.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            query = sql.Composed([sql.SQL("DROP DATABASE IF EXISTS "), sql.Identifier(name)])
            cr.execute(query)
    finally:
        conn.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="check Odoo 19, pytest-odoo and PostgreSQL")
    sub.add_parser("check-odoo", help="check that Odoo 19 is importable")
    sub.add_parser("check-db", help="check that PostgreSQL is reachable")
    p_path = sub.add_parser("addons-path", help="print the addons path")
    p_path.add_argument("--no-tests", action="store_true", help="leave out tests/")
    p_log = sub.add_parser("check-log", help="check an install log for our warnings")
    p_log.add_argument("logfile")
    p_log.add_argument("--pattern", default=os.environ.get("INSTALL_LOG_PATTERN"))
    p_drop = sub.add_parser("drop-db", help="drop a database")
    p_drop.add_argument("name")
    args = parser.parse_args(argv)

    if args.command == "check":
        ok = check_odoo() and check_pytest_odoo()
        ok = check_db() and ok
        if ok:
            warn_shadowing()
        return 0 if ok else 1
    if args.command == "check-odoo":
        return 0 if check_odoo() else 1
    if args.command == "check-db":
        return 0 if check_db() else 1
    if args.command == "addons-path":
        print(addons_path(with_tests=not args.no_tests))
        return 0
    if args.command == "check-log":
        bad, others = check_log(args.logfile, args.pattern or DEFAULT_LOG_PATTERN)
        if others:
            print(f"note: {len(others)} warning(s) from other modules (not failing):")
            for line in others:
                print(f"  {line}")
        if bad:
            print(f"FAILED: {len(bad)} WARNING/ERROR/CRITICAL record(s) about our add-ons:")
            for record in bad:
                print(record)
            return 1
        print("OK: the install log has no warning about our add-ons")
        return 0
    if args.command == "drop-db":
        drop_db(args.name)
        return 0
    return 2  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main())
