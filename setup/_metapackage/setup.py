"""Meta package installing every add-on of this repository.

Build: python3 -m pip wheel --no-deps --no-build-isolation setup/_metapackage
"""

import setuptools

setuptools.setup(
    name="odoo-addons-commission-tracking",
    description="Meta package for the Commission Tracking Odoo 19.0 add-ons",
    version="19.0.20261204.0",
    install_requires=[
        "odoo-addon-commission_tracking>=19.0dev,<19.1dev",
        "odoo-addon-commission_tracking_report>=19.0dev,<19.1dev",
    ],
    classifiers=[
        "Programming Language :: Python",
        "Framework :: Odoo",
        "Framework :: Odoo :: 19.0",
        "License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)",
    ],
    python_requires=">=3.10",
)
