from odoo import api, fields, models

FIT_METHODS = [("model", "Learned Model"), ("criteria", "Manual Criteria")]
# Traits listed on a model's form, by weight.
SHOWN_TRAITS = 15


class CrmLifecycleFitModel(models.Model):
    """One weekly fit of a company's fit score: the sample, the held-out
    AUC and the coefficients of each trait, or why the manual criteria
    score instead. The company's active row is the one that scores."""

    _name = "crm.lifecycle.fit.model"
    _description = "Customer Lifecycle Fit Model"
    _order = "date desc, id desc"
    _rec_name = "date"

    company_id = fields.Many2one(
        "res.company", required=True, index=True, ondelete="cascade", readonly=True
    )
    active = fields.Boolean(default=True, readonly=True)
    date = fields.Date(required=True, readonly=True)
    method = fields.Selection(
        FIT_METHODS,
        required=True,
        readonly=True,
        help="Learned Model: a logistic regression on the traits of the "
        "company's customers. Manual Criteria: too few best customers to "
        "learn from; the criteria set by the managers score.",
    )
    sample_size = fields.Integer(
        string="Customers", readonly=True, help="Customers in the sample."
    )
    best_count = fields.Integer(
        string="Best Customers",
        readonly=True,
        help="Top fifth of the customers by historical plus predicted "
        "lifetime value.",
    )
    auc = fields.Float(
        string="Held-out AUC",
        readonly=True,
        digits=(16, 3),
        help="Area under the ROC curve on a quarter of the sample held out "
        "of the fit: 0.5 is chance, 1 a perfect ranking.",
    )
    auc_measured = fields.Boolean(string="AUC Measured", readonly=True)
    intercept = fields.Float(readonly=True)
    coefficients = fields.Json(
        readonly=True, help="Technical: the coefficient of each trait."
    )
    coefficient_text = fields.Text(
        string="Traits by Weight", compute="_compute_coefficient_text"
    )
    message = fields.Text(readonly=True)

    @api.depends("coefficients")
    @api.depends_context("lang")
    def _compute_coefficient_text(self):
        Partner = self.env["res.partner"]
        for record in self:
            items = sorted(
                (record.coefficients or {}).items(), key=lambda item: -abs(item[1])
            )[:SHOWN_TRAITS]
            labels = Partner._lifecycle_fit_labels([key for key, _coef in items])
            record.coefficient_text = "\n".join(
                f"{coef:+.3f}  {labels.get(key, key)}" for key, coef in items
            )
