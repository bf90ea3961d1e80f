"""The README's "Reading commissions from another system" calls, over HTTP.

An integration user with the accountant role and an API key reads the approved statements of
March 2026 and their lines, once through JSON-2 (``POST /json/2/<model>/<method>`` with a
bearer key) and once through XML-RPC (``/xmlrpc/2/common`` then ``/xmlrpc/2/object``).
"""

import datetime
import json

from odoo import Command
from odoo.tests import HttpCase, get_db_name, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.commission_tracking.tests.common import CommissionCommon

MARCH_FROM = datetime.date(2026, 3, 1)
MARCH_TO = datetime.date(2026, 3, 31)

# Exactly the arguments shown in README.md.
STATEMENT_DOMAIN = [
    ["state", "in", ["approved", "billed", "paid"]],
    ["date_to", ">=", "2026-03-01"],
    ["date_to", "<=", "2026-03-31"],
]
STATEMENT_FIELDS = ["name", "partner_id", "amount_total", "currency_id", "state", "payment_date"]
STATEMENT_ORDER = "partner_id, date_to"
LINE_FIELDS = [
    "statement_id",
    "name",
    "date",
    "base_amount",
    "rate",
    "amount",
    "currency_id",
    "state",
]
LINE_ORDER = "statement_id, date"


@tagged("post_install", "-at_install")
class TestExternalApi(CommissionCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_plan(
            [{"base": "revenue", "rate": 5}], users=cls.salesperson | cls.salesperson_2
        )
        cls._win(cls._create_lead(revenue=30_000_000), datetime.date(2026, 3, 12))
        cls._win(
            cls._create_lead(revenue=10_000_000, user=cls.salesperson_2),
            datetime.date(2026, 3, 15),
        )
        Statement = cls.env["commission.statement"]
        lines = Statement._gather_lines(cls.company, MARCH_TO, include_open=True)
        statements = Statement._generate_statements(cls.company, MARCH_FROM, MARCH_TO, lines)
        statements.with_user(cls.manager).action_submit()
        cls.approved = statements.filtered(lambda s: s.user_id == cls.salesperson)
        cls.waiting = statements - cls.approved
        cls.approved.with_user(cls.manager).action_approve()

        cls.api_user = new_test_user(
            cls.env,
            login="ct_payroll_api",
            name="Payroll integration",
            groups="account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.api_key = cls.env(user=cls.api_user)["res.users.apikeys"]._generate(
            scope="rpc",
            name="Payroll",
            expiration_date=datetime.datetime.now() + datetime.timedelta(days=1),
        )

    def _check_results(self, statements, lines):
        self.assertEqual(
            statements,
            [
                {
                    "id": self.approved.id,
                    "name": self.approved.name,
                    "partner_id": [self.salesperson.partner_id.id, "Nguyễn Văn An"],
                    "amount_total": 1_500_000.0,
                    "currency_id": [self.vnd.id, "VND"],
                    "state": "approved",
                    "payment_date": False,
                }
            ],
            "only the approved statement, not the one waiting for approval",
        )
        self.assertEqual(len(lines), 1)
        self.assertEqual(lines[0]["statement_id"], [self.approved.id, self.approved.name])
        self.assertEqual(lines[0]["amount"], 1_500_000.0)
        self.assertEqual(lines[0]["base_amount"], 30_000_000.0)
        self.assertEqual(lines[0]["date"], "2026-03-12")
        self.assertEqual(lines[0]["state"], "approved")

    def test_json2(self):
        headers = {
            "Authorization": f"bearer {self.api_key}",
            "Content-Type": "application/json; charset=utf-8",
            "X-Odoo-Database": get_db_name(),
        }

        def call(model, method, **kwargs):
            response = self.url_open(
                f"/json/2/{model}/{method}", data=json.dumps(kwargs), headers=headers
            )
            self.assertEqual(response.status_code, 200, response.text)
            return response.json()

        statements = call(
            "commission.statement",
            "search_read",
            domain=STATEMENT_DOMAIN,
            fields=STATEMENT_FIELDS,
            order=STATEMENT_ORDER,
        )
        lines = call(
            "commission.line",
            "search_read",
            domain=[["statement_id", "in", [s["id"] for s in statements]]],
            fields=LINE_FIELDS,
            order=LINE_ORDER,
        )
        self._check_results(statements, lines)

        # a wrong key is refused
        headers["Authorization"] = "bearer not-a-key"
        response = self.url_open(
            "/json/2/commission.statement/search_read",
            data=json.dumps({"domain": STATEMENT_DOMAIN}),
            headers=headers,
        )
        self.assertEqual(response.status_code, 401)

    @mute_logger("odoo.addons.rpc.controllers.xmlrpc")  # deprecation notice of /xmlrpc/2
    def test_xmlrpc(self):
        db, key = get_db_name(), self.api_key
        uid = self.xmlrpc_common.authenticate(db, "ct_payroll_api", key, {})
        self.assertEqual(uid, self.api_user.id)
        models = self.xmlrpc_object
        statements = models.execute_kw(
            db,
            uid,
            key,
            "commission.statement",
            "search_read",
            [STATEMENT_DOMAIN],
            {"fields": STATEMENT_FIELDS, "order": STATEMENT_ORDER},
        )
        lines = models.execute_kw(
            db,
            uid,
            key,
            "commission.line",
            "search_read",
            [[["statement_id", "in", [s["id"] for s in statements]]]],
            {"fields": LINE_FIELDS, "order": LINE_ORDER},
        )
        self._check_results(statements, lines)
