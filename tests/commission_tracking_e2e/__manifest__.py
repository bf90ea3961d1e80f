# pylint: disable=missing-readme
# Test-only add-on: it holds the end-to-end tests (flows across both add-ons,
# tours in headless Chromium). It is never installed in production.
{
    "name": "Commission Tracking - End-to-end tests",
    "summary": "End-to-end tests of Commission Tracking and its reports (test only)",
    "version": "19.0.1.0.0",
    "category": "Hidden/Tests",
    "author": "Commission Tracking Team",
    "license": "LGPL-3",
    "depends": [
        "commission_tracking",
        "commission_tracking_report",
    ],
    "assets": {
        "web.assets_tests": [
            "commission_tracking_e2e/static/tests/tours/*.js",
        ],
    },
    "application": False,
}
