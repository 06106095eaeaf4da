import numpy as np

from odoo import api, fields, models

from ..lib import clv


class CrmLifecycleRetentionFit(models.AbstractModel):
    """The daily fit of a company's BG/NBD and Gamma-Gamma models on all its
    customers, recorded as a crm.lifecycle.clv.fit with its parameters or
    the reason there are none."""

    _inherit = "crm.lifecycle.retention"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _fit_company(self, company, today=None):
        """Fit the BG/NBD and Gamma-Gamma models on all of ``company``'s
        customers and record the result (parameters, or why there are
        none) as a crm.lifecycle.clv.fit."""
        today = today or fields.Date.context_today(self)
        settings = self._get_settings()
        rows = list(
            self._read_stats(company, today, settings["rfm_window_days"]).values()
        )
        frequency, recency, age, monetary = self._summary_arrays(rows)
        repeat = int(np.count_nonzero(frequency))
        vals = {
            "company_id": company.id,
            "date": today,
            "rfm_thresholds": self._rfm_bounds(rows),
            "customer_count": len(rows),
            "repeat_customer_count": repeat,
            "state": "insufficient",
        }
        _ = self.env._
        if len(rows) < clv.MIN_CUSTOMERS:
            vals["message"] = _(
                "Only %(count)s customers have bought: at least %(min)s are "
                "needed to fit the churn and lifetime value model.",
                count=len(rows),
                min=clv.MIN_CUSTOMERS,
            )
        elif not repeat or not age.max():
            vals["message"] = _(
                "No customer has bought on two different days yet: the churn "
                "model cannot be fitted."
            )
        else:
            try:
                bg, penalizer = self._fit_bgnbd(frequency, recency, age, settings)
            except (ValueError, RuntimeError) as error:
                vals["message"] = _(
                    "The churn model could not be fitted: %(error)s", error=str(error)
                )
            else:
                vals.update(
                    state="ok",
                    penalizer=penalizer,
                    bgnbd_r=bg.r,
                    bgnbd_alpha=bg.alpha,
                    bgnbd_a=bg.a,
                    bgnbd_b=bg.b,
                    bgnbd_log_likelihood=bg.log_likelihood,
                )
                if penalizer:
                    vals["message"] = _(
                        "Plain maximum likelihood did not converge on this sample: "
                        "fitted with an L2 penalty of %(penalizer)s.",
                        penalizer=penalizer,
                    )
                spend = self._fit_spend(frequency, monetary, repeat)
                if vals.get("message") and spend.get("message"):
                    spend["message"] = f"{vals['message']}\n{spend['message']}"
                vals.update(spend)
        return self.env["crm.lifecycle.clv.fit"].sudo().create(vals)

    @api.model
    def _fit_bgnbd(self, frequency, recency, age, settings):
        """BG/NBD by plain maximum likelihood; where it does not converge or
        predicts non-finite values (small samples in which dropout is not
        identified, so that a and b run away), by maximum likelihood with
        the small L2 penalty of the settings, as lifetimes advises.
        Returns the parameters and the penalty used."""
        try:
            bg = clv.fit_bgnbd(frequency, recency, age)
            usable = self._bgnbd_usable(bg, frequency, recency, age)
        except RuntimeError:
            # Did not converge: the penalised fit below is the fallback.
            usable = False
        if usable:
            return bg, 0.0
        penalizer = settings["clv_penalizer"]
        if not penalizer:
            raise RuntimeError(
                self.env._("maximum likelihood did not converge on this sample")
            )
        bg = clv.fit_bgnbd(frequency, recency, age, penalizer=penalizer)
        if not self._bgnbd_usable(bg, frequency, recency, age):
            raise RuntimeError(
                self.env._("the fitted model predicts non-finite values")
            )
        return bg, penalizer

    @api.model
    def _bgnbd_usable(self, bg, frequency, recency, age):
        alive = clv.bgnbd_probability_alive(bg, frequency, recency, age)
        expected = clv.bgnbd_expected_purchases(bg, 365, frequency, recency, age)
        return bool(np.all(np.isfinite(alive)) and np.all(np.isfinite(expected)))

    @api.model
    def _fit_spend(self, frequency, monetary, repeat):
        """Gamma-Gamma values for the fit record: the predicted CLV needs it,
        churn and expected purchases do not."""
        _ = self.env._
        if repeat < clv.MIN_CUSTOMERS:
            return {
                "message": _(
                    "Only %(count)s repeat customers: at least %(min)s are needed "
                    "for the spend model, so the predicted lifetime value stays "
                    "empty; churn and expected purchases are scored.",
                    count=repeat,
                    min=clv.MIN_CUSTOMERS,
                )
            }
        try:
            gg = clv.fit_gamma_gamma(frequency, monetary)
        except (ValueError, RuntimeError) as error:
            return {
                "message": _(
                    "The spend model could not be fitted: %(error)s", error=str(error)
                )
            }
        if gg.q <= 1:
            return {
                "message": _(
                    "The spend model has no finite mean (q = %(q)s): the predicted "
                    "lifetime value stays empty.",
                    q=round(gg.q, 4),
                )
            }
        return {
            "spend_fitted": True,
            "gg_p": gg.p,
            "gg_q": gg.q,
            "gg_gamma": gg.v,
            "gg_log_likelihood": gg.log_likelihood,
        }
