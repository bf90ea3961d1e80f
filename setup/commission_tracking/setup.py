"""Wheel of the Odoo add-on ``commission_tracking`` (odoo-addon-commission_tracking).

setuptools-odoo reads the add-on's manifest (name, version, dependencies...).
Build: python3 -m pip wheel --no-deps --no-build-isolation setup/commission_tracking
"""

import setuptools
from setuptools_odoo import core

# setuptools-odoo 3.3 knows the Odoo series up to 16.0: describe 19.0 here.
if "19.0" not in core.ODOO_VERSION_INFO:

    class _OdooCoreAddons:
        """Every dependency that is not one of ours is shipped with Odoo itself."""

        def __contains__(self, addon):
            return not addon.startswith("commission_tracking")

    core.ODOO_VERSION_INFO["19.0"] = dict(
        core.ODOO_VERSION_INFO["16.0"],
        odoo_dep="odoo>=19.0a,<19.1dev",
        base_addons=_OdooCoreAddons(),
        pkg_version_specifier=">=19.0dev,<19.1dev",
        python_requires=">=3.10",
    )

setuptools.setup(
    setup_requires=["setuptools-odoo"],
    odoo_addon=True,
)
