from odoo import models

# Context key: while an automation rule runs, the opportunities whose commissions it asks for
# are collected in this list and computed once, together, when the rule is done.
COMMISSION_BATCH_KEY = "commission_automation_batch"


class BaseAutomation(models.Model):
    _inherit = "base.automation"

    def _process(self, records, domain_post=None):
        """Compute the commissions asked for by one run of automation rules in one batch.

        ``base.automation`` runs its server action once per record: winning 1,000 opportunities
        at once would compute 1,000 times the same salespeople's periods. The shipped action
        calls ``crm.lead._commission_compute``, which, inside this method, only collects the
        opportunities; they are computed here, once, after the rule has run on all of them.
        Nested runs (a rule triggered by another one) add to the outermost batch.
        """
        if self.env.context.get(COMMISSION_BATCH_KEY) is not None:
            return super()._process(records, domain_post=domain_post)
        batch = []
        result = super(BaseAutomation, self.with_context(**{COMMISSION_BATCH_KEY: batch}))._process(
            records, domain_post=domain_post
        )
        if batch:
            leads = batch[0].union(*batch[1:]).with_context(**{COMMISSION_BATCH_KEY: None})
            leads._commission_compute()
        return result
