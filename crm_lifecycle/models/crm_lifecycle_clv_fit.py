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
    rfm_thresholds = fields.Json(
        string="RFM Quintile Boundaries",
        readonly=True,
        help="Technical: for recency (last purchase day), frequency and "
        "monetary value, the lowest value scoring 2, 3, 4 and 5 that day.",
    )
    penalizer = fields.Float(
        string="L2 Penalty",
        readonly=True,
        help="0: plain maximum likelihood. Otherwise the penalty the fit "
        "needed to converge on a small sample.",
    )
    # Full precision: a parameter rounded to a few decimals could become 0.
    # BG/NBD: purchase rates ~ Gamma(r, alpha) (alpha in days), dropout
    # probabilities ~ Beta(a, b).
    bgnbd_r = fields.Float(string="r", readonly=True)
    bgnbd_alpha = fields.Float(string="alpha (days)", readonly=True)
    bgnbd_a = fields.Float(string="a", readonly=True)
    bgnbd_b = fields.Float(string="b", readonly=True)
    bgnbd_log_likelihood = fields.Float(string="BG/NBD Log-likelihood", readonly=True)
    # Gamma-Gamma: spend per transaction; gamma is the paper's name for the
    # rate lib.clv calls v, in company currency.
    spend_fitted = fields.Boolean(string="Spend Model Fitted", readonly=True)
    gg_p = fields.Float(string="p", readonly=True)
    gg_q = fields.Float(string="q", readonly=True)
    gg_gamma = fields.Float(string="gamma", readonly=True)
    gg_log_likelihood = fields.Float(string="Gamma-Gamma Log-likelihood", readonly=True)
