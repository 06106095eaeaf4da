from odoo import api, fields, models
from odoo.exceptions import ValidationError

SURVEY_KINDS = [
    ("nps", "Net Promoter Score"),
    ("csat", "Customer Satisfaction (CSAT)"),
    ("comment", "Comment"),
]


class SurveyQuestion(models.Model):
    _inherit = "survey.question"

    crm_lifecycle_kind = fields.Selection(
        SURVEY_KINDS,
        string="Satisfaction Measure",
        copy=True,
        help="What this question measures for the customer lifecycle. Only a "
        "question flagged NPS feeds the Net Promoter Score, whatever its scale.",
    )

    @api.constrains(
        "crm_lifecycle_kind", "question_type", "scale_min", "scale_max", "survey_id"
    )
    def _check_crm_lifecycle_kind(self):
        for question in self.filtered("crm_lifecycle_kind"):
            kind = question.crm_lifecycle_kind
            if kind == "nps" and (
                question.question_type != "scale"
                or (question.scale_min, question.scale_max) != (0, 10)
            ):
                raise ValidationError(
                    self.env._(
                        "The NPS question %(question)s must be a 0 to 10 scale.",
                        question=question.title,
                    )
                )
            if kind == "csat" and question.question_type not in (
                "scale",
                "numerical_box",
            ):
                raise ValidationError(
                    self.env._(
                        "The CSAT question %(question)s must be a scale or a "
                        "numerical value.",
                        question=question.title,
                    )
                )
            if kind == "comment" and question.question_type not in (
                "text_box",
                "char_box",
            ):
                raise ValidationError(
                    self.env._(
                        "The comment question %(question)s must be a text answer.",
                        question=question.title,
                    )
                )
            siblings = question.survey_id.question_ids.filtered(
                lambda q, kind=kind: q.crm_lifecycle_kind == kind
            )
            if len(siblings) > 1:
                raise ValidationError(
                    self.env._(
                        "The survey %(survey)s has more than one question flagged "
                        "%(kind)s.",
                        survey=question.survey_id.title,
                        kind=dict(
                            self._fields["crm_lifecycle_kind"]._description_selection(
                                self.env
                            )
                        )[kind],
                    )
                )
