from odoo import api, models
from odoo.exceptions import AccessError

from .engine_path import in_engine


class CrmLifecycleEngineFieldsMixin(models.AbstractModel):
    """Fields that only the module writes: figures it derives (a
    customer's grade, a case's clock). A view's readonly protects nothing:
    a client may send any value, and any ``default_*`` context key, over
    RPC. The models that use this mixin refuse both, from anyone but the
    module's own code (superuser, or inside ``engine_writes()``), with
    the same translated error.

    A model lists its fields in ``_lifecycle_engine_fields``, calls
    ``_lifecycle_defaults_as_values`` then ``_lifecycle_check_engine_fields``
    on each value dict in ``create``, and ``_lifecycle_check_engine_fields``
    in ``write``."""

    _name = "crm.lifecycle.engine.fields.mixin"
    _description = "Customer Lifecycle: Fields Only the Module Writes"

    @api.model
    def _lifecycle_engine_fields(self):
        """The stored fields only the module writes. Each feature adds its
        own."""
        return set()

    @api.model
    def _lifecycle_guarded_defaults(self):
        """The fields whose context default is taken as a value the client
        sends (and checked as one) rather than applied by the ORM."""
        return set(self._lifecycle_engine_fields())

    def _lifecycle_check_engine_fields(self, names):
        """Refuse a value of a derived field from outside the module: a
        forged figure would otherwise stand until the module next changes
        it, or for good."""
        forged = set(names) & self._lifecycle_engine_fields()
        if not forged or in_engine() or self.env.su:
            return
        labels = sorted(
            self._fields[name]._description_string(self.env) for name in forged
        )
        raise AccessError(
            self.env._(
                "These figures are computed by Customer Lifecycle and cannot "
                "be set by hand: %(fields)s.",
                fields=", ".join(labels),
            )
        )

    @api.model
    def _lifecycle_defaults_as_values(self, vals_list):
        """Move the context's defaults of the guarded fields into
        ``vals_list`` (changed in place), and return this model without
        them: a default is a value the client sends, and is checked as
        one."""
        guarded = self._lifecycle_guarded_defaults()
        context = dict(self.env.context)
        defaults = {
            key[len("default_") :]: context.pop(key)
            for key in list(context)
            if key.startswith("default_") and key[len("default_") :] in guarded
        }
        if not defaults:
            return self
        for vals in vals_list:
            for name, value in defaults.items():
                vals.setdefault(name, value)
        # Without them: a value popped from the values later (the manual
        # phase) must not come back as a default.
        return self.with_env(self.env(context=context))
