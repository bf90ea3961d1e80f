from odoo import api, fields, models
from odoo.tools import SQL


class CommissionGroupLock(models.Model):
    """One row per (plan, beneficiary, period) ever computed, touched by every computation.

    Two transactions computing the same group at the same moment (two workers, two servers)
    would each miss the other's deal. Touching the group's row serialises them: the second
    waits for the first, then fails with a serialization error (Odoo's REPEATABLE READ
    transactions), and Odoo retries the request or the scheduled action, which now sees the
    first one's deal. Rows are touched in a fixed order so that two computations never
    deadlock.
    """

    _name = "commission.group.lock"
    _description = "Commission computation lock"
    _log_access = False

    plan_id = fields.Many2one("commission.plan", required=True, ondelete="cascade")
    res_model = fields.Char(string="Beneficiary model", required=True)
    res_id = fields.Integer(string="Beneficiary", required=True)
    period_start = fields.Date(required=True)
    touched = fields.Datetime(string="Last computed")

    _unique_group = models.UniqueIndex(
        "(plan_id, res_model, res_id, period_start)",
        "A commission group is locked through one row.",
    )

    @api.model
    def _acquire(self, groups):
        """Lock the rows of ``groups`` ((plan, beneficiary record, period start) triples)
        until the end of the transaction."""
        rows = sorted({(plan.id, who._name, who.id, start) for plan, who, start in groups})
        if not rows:
            return
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO commission_group_lock (plan_id, res_model, res_id, period_start,
                                                   touched)
                VALUES %s
                ON CONFLICT (plan_id, res_model, res_id, period_start)
                DO UPDATE SET touched = EXCLUDED.touched
                """,
                SQL(", ").join(
                    SQL("(%s, %s, %s, %s, now() AT TIME ZONE 'UTC')", *row) for row in rows
                ),
            )
        )
