"""The add-ons build as wheels through the setuptools-odoo layout in setup/.

A plain pytest test (no Odoo database needed). The build runs in a scratch git
repository holding a copy of setup/ and of the add-ons, so that it leaves no
build/ or *.egg-info behind and gets the same file list as a clean checkout
(setuptools-scm takes the package data from git).
"""

import glob
import os
import re
import shutil
import subprocess
import sys
import zipfile

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDONS = ("commission_tracking", "commission_tracking_report")
METAPACKAGE = "odoo-addons-commission-tracking"
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "build", "*.egg-info")


def _norm(name):
    """PEP 503 normalised project name (wheel metadata may spell it either way)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _requires(metadata_text):
    """Project names of the Requires-Dist lines of a METADATA file."""
    return [
        _norm(re.split(r"[<>=!~ ;(\[]", line.split(":", 1)[1].strip(), maxsplit=1)[0])
        for line in metadata_text.splitlines()
        if line.startswith("Requires-Dist:")
    ]


def _git(cwd, *args):
    subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def built_wheels(tmp_path_factory):
    for addon in ADDONS:
        if not os.path.isfile(os.path.join(REPO_ROOT, addon, "__manifest__.py")):
            pytest.fail(f"{addon}/__manifest__.py is missing")
    if shutil.which("git") is None:
        pytest.skip("git is needed to build the wheels")
    src = tmp_path_factory.mktemp("src")
    shutil.copytree(os.path.join(REPO_ROOT, "setup"), src / "setup", symlinks=True, ignore=IGNORE)
    for addon in ADDONS:
        shutil.copytree(os.path.join(REPO_ROOT, addon), src / addon, ignore=IGNORE)
    _git(src, "init", "-q", ".")
    _git(src, "add", "-A")
    _git(src, "commit", "-q", "-m", "snapshot")

    out = tmp_path_factory.mktemp("wheels")
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    cmd += ["--disable-pip-version-check", "--no-cache-dir", "-w", str(out)]
    cmd += [str(src / "setup" / name) for name in (*ADDONS, "_metapackage")]
    result = subprocess.run(cmd, cwd=src, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"wheel build failed:\n{result.stdout}\n{result.stderr}"
    return src, out


@pytest.mark.parametrize("addon", ADDONS)
def test_setup_symlink_points_to_addon(addon):
    link = os.path.join(REPO_ROOT, "setup", addon, "odoo", "addons", addon)
    assert os.path.islink(link)
    assert os.readlink(link) == f"../../../../{addon}"
    assert os.path.realpath(link) == os.path.realpath(os.path.join(REPO_ROOT, addon))


@pytest.mark.parametrize("addon", ADDONS)
def test_addon_wheel(built_wheels, addon):
    src, out = built_wheels
    wheels = glob.glob(str(out / f"odoo_addon_{addon}-19.0.*-py3-none-any.whl"))
    assert len(wheels) == 1, sorted(os.listdir(out))
    with zipfile.ZipFile(wheels[0]) as whl:
        names = set(whl.namelist())
        metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
        requires = _requires(whl.read(metadata).decode())
    assert f"odoo/addons/{addon}/__manifest__.py" in names
    # Every file of the add-on is shipped (python, data, static...).
    addon_dir = src / addon
    for root, _dirs, files in os.walk(addon_dir):
        for filename in files:
            rel = os.path.relpath(os.path.join(root, filename), addon_dir)
            assert f"odoo/addons/{addon}/{rel}" in names
    # Odoo itself is a dependency; its core add-ons (crm, sale...) are not packages.
    assert "odoo" in requires
    other_addons = [r for r in requires if r.startswith("odoo-addon-")]
    assert all(r.startswith("odoo-addon-commission-tracking") for r in other_addons), requires


def test_metapackage_wheel(built_wheels):
    _src, out = built_wheels
    wheels = glob.glob(str(out / "odoo_addons_commission_tracking-19.0.*-py3-none-any.whl"))
    assert len(wheels) == 1, sorted(os.listdir(out))
    with zipfile.ZipFile(wheels[0]) as whl:
        metadata = next(n for n in whl.namelist() if n.endswith(".dist-info/METADATA"))
        text = whl.read(metadata).decode()
    assert f"Name: {METAPACKAGE}" in text
    assert sorted(_requires(text)) == sorted(_norm(f"odoo-addon-{a}") for a in ADDONS)
