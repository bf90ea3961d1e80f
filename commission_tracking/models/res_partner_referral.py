import datetime

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .commission_compute import CUSTOMER_INVOICE_TYPES


class ResPartner(models.Model):
    """Referral programmes and usual sales partner of a customer."""

    _inherit = "res.partner"

    referred_by_id = fields.Many2one(
        "res.partner",
        string="Referred by",
        index="btree_not_null",
        tracking=True,
        help="The referrer who brought this customer (referral programme). A referral earns "
        "once per customer, ever, when the customer first qualifies.",
    )
    referral_date = fields.Date(
        tracking=True,
        help="Day the customer was referred: only what they buy from this day counts.",
    )
    referred_partner_ids = fields.One2many(
        "res.partner", "referred_by_id", string="Referred customers"
    )
    referred_count = fields.Integer(
        compute="_compute_referred_count", string="Referred customers count"
    )
    commission_partner_id = fields.Many2one(
        "res.partner",
        string="Usual sales partner",
        index="btree_not_null",
        help="The reseller or agent who usually sells to this customer: proposed on new "
        "quotations.",
    )

    @api.depends("referred_partner_ids")
    def _compute_referred_count(self):
        data = dict(
            self._read_group([("referred_by_id", "in", self.ids)], ["referred_by_id"], ["__count"])
        )
        for partner in self:
            partner.referred_count = data.get(partner, 0)

    @api.constrains("referred_by_id")
    def _check_referred_by(self):
        for partner in self.filtered("referred_by_id"):
            if partner.referred_by_id.commercial_partner_id == partner.commercial_partner_id:
                raise ValidationError(
                    self.env._("%(name)s cannot refer themselves.", name=partner.display_name)
                )

    def write(self, vals):
        result = super().write(vals)
        if {"referred_by_id", "referral_date"}.intersection(vals):
            self.env["commission.compute"]._compute_for_sources(customers=self)
        return result

    def action_view_referred_customers(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Referred customers"),
            "res_model": "res.partner",
            "domain": [("referred_by_id", "=", self.id)],
            "views": [(False, "list"), (False, "form")],
        }

    # ------------------------------------------------------------------
    # Referral qualification
    # ------------------------------------------------------------------
    def _commission_owner(self, partner):
        """The referred customer of ``self`` that ``partner`` belongs to (itself or a parent)."""
        while partner:
            if partner in self:
                return partner
            partner = partner.parent_id
        return partner

    def _commission_first_events(self, trigger):
        """{customer: (day, company, sales team)} of each referred customer's first qualifying
        event after its referral date: first won opportunity, confirmed order, posted or paid
        invoice."""
        env = self.env
        Compute = env["commission.compute"]
        found = {}

        def keep(customer, day, company, team):
            if not customer or not day:
                return
            if customer.referral_date and day < customer.referral_date:
                return
            if customer not in found or day < found[customer][0]:
                found[customer] = (day, company, team)

        domain_partner = [("partner_id", "child_of", self.ids)]
        if trigger == "won":
            for lead in env["crm.lead"].search(
                [*domain_partner, ("won_status", "=", "won"), ("active", "=", True)]
            ):
                keep(
                    self._commission_owner(lead.partner_id),
                    lead._commission_date(),
                    lead._commission_company(),
                    lead.team_id,
                )
        elif trigger == "order":
            for order in env["sale.order"].search([*domain_partner, ("state", "=", "sale")]):
                keep(
                    self._commission_owner(order.partner_id),
                    Compute._local_day(order.date_order, order.user_id),
                    order.company_id,
                    order.team_id,
                )
        else:
            moves = env["account.move"].search(
                [
                    *domain_partner,
                    ("move_type", "=", CUSTOMER_INVOICE_TYPES[0]),
                    ("state", "=", "posted"),
                ]
            )
            for move in moves:
                if trigger == "invoice":
                    day = move.invoice_date
                elif move.payment_state in ("paid", "in_payment"):
                    partials = move._commission_payment_partials()
                    day = max(partials.mapped("max_date"), default=None)
                else:
                    day = None
                keep(self._commission_owner(move.partner_id), day, move.company_id, move.team_id)
        return {
            customer: value
            for customer, value in found.items()
            if isinstance(value[0], datetime.date)
        }
