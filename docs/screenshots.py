"""Take the user guide's screenshots from a running Odoo, in headless Chromium.

    python3 docs/screenshots.py --url http://127.0.0.1:8069 --db commission_demo

Logs in as each role, opens the pages of the guide and saves PNG files in docs/screenshots/
(``--lang vi_VN`` for the Vietnamese guide: files get a ``.vi`` suffix). Needs Chromium
(Debian package ``chromium``) and the Python packages ``requests`` and ``websocket-client``.
Works on the demo database (``make run-demo``): the logins below are the demo users.
"""

import argparse
import base64
import json
import logging
import pathlib
import subprocess
import tempfile
import time

import requests
import websocket

HERE = pathlib.Path(__file__).resolve().parent
_logger = logging.getLogger("screenshots")


class Browser:
    """A headless Chromium driven through the DevTools protocol."""

    def __init__(self, port=9333, width=1440, height=1000):
        self.profile = tempfile.mkdtemp(prefix="ct-shots-")
        self.process = subprocess.Popen(  # noqa: S603 - fixed command line
            [
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={self.profile}",
                f"--remote-debugging-port={port}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _attempt in range(100):
            try:
                tabs = requests.get(f"http://127.0.0.1:{port}/json", timeout=1).json()
                break
            except requests.RequestException:
                time.sleep(0.2)
        else:
            raise RuntimeError("Chromium did not start")
        page = next(tab for tab in tabs if tab["type"] == "page")
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"])
        self.counter = 0
        self.call("Network.enable")
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    def call(self, method, **params):
        self.counter += 1
        self.socket.send(json.dumps({"id": self.counter, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.counter:
                return message.get("result", {})

    def login(self, base_url, session_id):
        host = base_url.split("//", 1)[1].split(":")[0].split("/")[0]
        self.call("Network.clearBrowserCookies")
        self.call("Network.setCookie", name="session_id", value=session_id, domain=host, path="/")

    def shot(self, url, path, wait=6.0):
        self.call("Page.navigate", url=url)
        time.sleep(wait)
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        _logger.info("saved %s", path.relative_to(HERE.parent))

    def close(self):
        self.socket.close()
        self.process.terminate()


class Odoo:
    def __init__(self, url, db, login, password):
        self.url, self.db = url.rstrip("/"), db
        self.session = requests.Session()
        result = self.session.post(
            f"{self.url}/web/session/authenticate",
            json={"jsonrpc": "2.0", "params": {"db": db, "login": login, "password": password}},
            timeout=60,
        ).json()
        if result.get("error"):
            raise RuntimeError(f"cannot log in as {login}: {result['error']['data']['message']}")
        self.session_id = self.session.cookies.get("session_id")

    def search(self, model, domain, limit=1, order=None):
        result = self.session.post(
            f"{self.url}/web/dataset/call_kw",
            json={
                "jsonrpc": "2.0",
                "params": {
                    "model": model,
                    "method": "search",
                    "args": [domain],
                    "kwargs": {"limit": limit, "order": order},
                },
            },
            timeout=60,
        ).json()
        return result.get("result") or []

    def set_lang(self, lang):
        self.session.post(
            f"{self.url}/web/dataset/call_kw",
            json={
                "jsonrpc": "2.0",
                "params": {
                    "model": "res.users",
                    "method": "write",
                    "args": [[self.uid()], {"lang": lang}],
                    "kwargs": {},
                },
            },
            timeout=60,
        )

    def uid(self):
        info = self.session.post(
            f"{self.url}/web/session/get_session_info",
            json={"jsonrpc": "2.0", "params": {}},
            timeout=60,
        ).json()
        return info["result"]["uid"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8069")
    parser.add_argument("--db", default="commission_demo")
    parser.add_argument("--lang", default="en_US", help="en_US or vi_VN")
    parser.add_argument("--admin", default="admin:admin", help="login:password")
    parser.add_argument("--manager", default="demo_manager:demo_manager")
    parser.add_argument("--salesperson", default="demo_an:demo_an")
    parser.add_argument("--accountant", default="admin:admin")
    parser.add_argument("--portal", default="demo_hoa:demo_hoa", help="a referrer's portal login")
    parser.add_argument("--wait", type=float, default=6.0, help="seconds per page")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    suffix = "" if args.lang == "en_US" else "." + args.lang.split("_")[0]
    out = HERE / "screenshots"
    out.mkdir(exist_ok=True)
    browser = Browser()
    try:
        pages = {
            "admin": [
                (
                    "01_plan",
                    "commission.plan",
                    [("rule_ids.tier_mode", "!=", "flat")],
                    "/odoo/action-commission_tracking.commission_plan_action/{id}",
                ),
            ],
            "salesperson": [
                (
                    "02_won_opportunity",
                    "crm.lead",
                    [("commission_line_ids", "!=", False)],
                    "/odoo/crm/{id}",
                ),
                (
                    "03_commission_line",
                    "commission.line",
                    [("rule_id", "!=", False), ("state", "!=", "cancel")],
                    "/odoo/action-commission_tracking.commission_line_action_mine/{id}",
                ),
                (
                    "04_my_commissions",
                    None,
                    None,
                    "/odoo/action-commission_tracking.commission_line_action_mine",
                ),
            ],
            "manager": [
                (
                    "05_to_approve",
                    None,
                    None,
                    "/odoo/action-commission_tracking.commission_statement_action_to_approve",
                ),
                (
                    "06_statement",
                    "commission.statement",
                    [("state", "=", "to_approve")],
                    "/odoo/action-commission_tracking.commission_statement_action/{id}",
                ),
                (
                    "07_analysis",
                    None,
                    None,
                    "/odoo/action-commission_tracking_report.commission_analysis_action",
                ),
            ],
            "accountant": [
                (
                    "08_to_pay",
                    None,
                    None,
                    "/odoo/action-commission_tracking.commission_statement_action_to_bill",
                ),
                (
                    "09_paid_statement",
                    "commission.statement",
                    [("state", "=", "paid"), ("user_id", "!=", False)],
                    "/odoo/action-commission_tracking.commission_statement_action/{id}",
                ),
                (
                    "10_partner_plan",
                    "commission.plan",
                    [("beneficiary_type", "=", "partner")],
                    "/odoo/action-commission_tracking.commission_plan_action/{id}",
                ),
                (
                    "11_referral_statement",
                    "commission.statement",
                    [("line_ids.beneficiary_type", "=", "referrer")],
                    "/odoo/action-commission_tracking.commission_statement_action/{id}",
                ),
            ],
            "manager_dashboard": [
                (
                    "12_dashboard",
                    None,
                    None,
                    "/odoo/action-commission_tracking_report.commission_dashboard_action",
                ),
            ],
            "portal": [
                ("13_portal", None, None, "/my/commissions"),
            ],
        }
        for role, role_pages in pages.items():
            login, password = getattr(args, role.split("_")[0]).split(":", 1)
            odoo = Odoo(args.url, args.db, login, password)
            odoo.set_lang(args.lang)
            browser.login(args.url, odoo.session_id)
            for name, model, domain, path in role_pages:
                record_id = None
                if model:
                    found = odoo.search(model, domain, order="id desc")
                    if not found:
                        _logger.warning("skipped %s: no record to show", name)
                        continue
                    record_id = found[0]
                url = args.url.rstrip("/") + path.format(id=record_id)
                browser.shot(url, out / f"{name}{suffix}.png", wait=args.wait)
    finally:
        browser.close()


if __name__ == "__main__":
    main()
