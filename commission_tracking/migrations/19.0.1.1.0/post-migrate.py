"""19.0.1.1.0: opportunities trigger their computation themselves, no longer through the
automation rule *Commissions: compute when an opportunity is won, lost or reopened* (removed
with this version). An admin who had archived the rule had switched the automatic computation
off: it stays off, now as the companies' setting (Settings > Commissions)."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        SELECT automation.active
          FROM base_automation automation
          JOIN ir_model_data xmlid
            ON xmlid.model = 'base.automation' AND xmlid.res_id = automation.id
         WHERE xmlid.module = 'commission_tracking'
           AND xmlid.name = 'automation_compute_commissions_on_won'
        """
    )
    row = cr.fetchone()
    if row and not row[0]:
        cr.execute("UPDATE res_company SET commission_compute_on_won = FALSE")
