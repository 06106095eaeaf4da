from odoo import fields, models


class CrmLifecycleClvFit(models.Model):
    """One maximum-likelihood fit of the BG/NBD and Gamma-Gamma models for a
    company: the parameters behind its customers' churn probability and
    predicted lifetime value, or why there are none."""

    _name = "crm.lifecycle.clv.fit"
    _description = "Customer Lifetime Value Model Fit"
    _order = "date desc, id desc"
    _rec_name = "date"

    company_id = fields.Many2one(
        "res.company", required=True, index=True, ondelete="cascade", readonly=True
    )
    date = fields.Date(required=True, index=True, readonly=True)
    customer_count = fields.Integer(
        string="Customers", readonly=True, help="Customers in the sample."
    )
    repeat_customer_count = fields.Integer(
        string="Repeat Customers",
        readonly=True,
        help="Customers with at least one repeat purchase: only they inform "
        "the spend model.",
    )
    state = fields.Selection(
        [("ok", "Fitted"), ("insufficient", "Insufficient Data")],
        required=True,
        readonly=True,
    )
    message = fields.Text(readonly=True)
    # BG/NBD: purchase rates ~ Gamma(r, alpha) (alpha in days), dropout
    # probabilities ~ Beta(a, b).
    bgnbd_r = fields.Float(string="r", digits=(16, 6), readonly=True)
    bgnbd_alpha = fields.Float(string="alpha (days)", digits=(16, 6), readonly=True)
    bgnbd_a = fields.Float(string="a", digits=(16, 6), readonly=True)
    bgnbd_b = fields.Float(string="b", digits=(16, 6), readonly=True)
    bgnbd_log_likelihood = fields.Float(
        string="BG/NBD Log-likelihood", digits=(16, 4), readonly=True
    )
    # Gamma-Gamma: spend per transaction; gamma is the paper's name for the
    # rate lib.clv calls v, in company currency.
    spend_fitted = fields.Boolean(string="Spend Model Fitted", readonly=True)
    gg_p = fields.Float(string="p", digits=(16, 6), readonly=True)
    gg_q = fields.Float(string="q", digits=(16, 6), readonly=True)
    gg_gamma = fields.Float(string="gamma", digits=(16, 6), readonly=True)
    gg_log_likelihood = fields.Float(
        string="Gamma-Gamma Log-likelihood", digits=(16, 4), readonly=True
    )
