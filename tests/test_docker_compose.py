"""docker-compose.yml is valid and describes the demo stack of the README.

A plain pytest test. ``docker compose config -q`` validates the file when a docker
client with the compose plugin is available (no daemon needed); the structure is
checked from the YAML in any case.
"""

import os
import shutil
import subprocess

import pytest
import yaml

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMPOSE_FILE = os.path.join(REPO_ROOT, "docker-compose.yml")
ADDONS = ("commission_tracking", "commission_tracking_report")


def _compose_available():
    if shutil.which("docker") is None:
        return False
    try:
        result = subprocess.run(
            ["docker", "compose", "version"], capture_output=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


@pytest.fixture(scope="module")
def compose():
    with open(COMPOSE_FILE, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _odoo_services(compose):
    return {
        name: svc
        for name, svc in compose["services"].items()
        if str(svc.get("image", "")).startswith("odoo:")
    }


def test_docker_compose_config_is_valid():
    if not _compose_available():
        pytest.skip("no docker client with the compose plugin; the YAML checks below still run")
    result = subprocess.run(
        ["docker", "compose", "-f", COMPOSE_FILE, "config", "-q"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_images(compose):
    images = {svc.get("image") for svc in compose["services"].values()}
    assert "postgres:16" in images
    assert "odoo:19.0" in images
    assert images <= {"postgres:16", "odoo:19.0"}


def test_odoo_published_on_8069(compose):
    ports = [str(p) for svc in _odoo_services(compose).values() for p in svc.get("ports", [])]
    assert any(p.split(":")[-2:] == ["8069", "8069"] for p in ports), ports


def test_addons_mounted(compose):
    for name, svc in _odoo_services(compose).items():
        volumes = [str(v) for v in svc.get("volumes", [])]
        for addon in ADDONS:
            assert any(
                v.split(":")[0].rstrip("/") in (f"./{addon}", addon)
                and v.split(":")[1] == f"/mnt/extra-addons/{addon}"
                for v in volumes
            ), f"{addon} not mounted in service {name}: {volumes}"
        assert any(v.split(":")[1] == "/var/lib/odoo" for v in volumes), name
        assert all(os.path.isdir(os.path.join(REPO_ROOT, addon)) for addon in ADDONS)


def test_database_initialised_with_demo_data(compose):
    commands = [" ".join(map(str, svc.get("command", []))) for svc in compose["services"].values()]
    init = [c for c in commands if "--stop-after-init" in c]
    assert len(init) == 1, commands
    init = init[0]
    assert "--database=commission" in init or "-d commission" in init
    assert "commission_tracking,commission_tracking_report" in init
    # Odoo 19 loads demo data only when asked to.
    assert "--with-demo" in init


def test_data_volumes(compose):
    db = next(svc for svc in compose["services"].values() if svc.get("image") == "postgres:16")
    assert any(str(v).endswith(":/var/lib/postgresql/data") for v in db.get("volumes", []))
    assert {"db-data", "odoo-data"} <= set(compose.get("volumes") or {})
