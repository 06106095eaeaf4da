from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request
from odoo.tools import plaintext2html

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

# Bounds of what the form stores: a case is read by people, not filled with
# whatever a client posts.
SUBJECT_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 10000


class ComplaintPortal(CustomerPortal):
    """The customer's complaints in the portal: their own cases (their
    company's with the contact's flag), one case with its conversation, and
    a form to submit a new one."""

    # ------------------------------------------------------------
    # Domains and values
    # ------------------------------------------------------------

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "complaint_count" in counters:
            Complaint = request.env["crm.lifecycle.complaint"]
            values["complaint_count"] = (
                Complaint.search_count(
                    self._prepare_complaints_domain(request.env.user.partner_id)
                )
                if Complaint.has_access("read")
                else 0
            )
        return values

    def _prepare_complaints_domain(self, partner):
        """The cases a customer's contact follows in the portal: the contact's
        own, or its company's when the contact has the flag. The record rules
        say the same; the domain keeps an employee's portal to their own."""
        if partner.lifecycle_complaint_company_access:
            return [("commercial_partner_id", "=", partner.commercial_partner_id.id)]
        return [("partner_id", "=", partner.id)]

    def _complaint_get_searchbar_sortings(self):
        return {
            "date": {
                "label": request.env._("Newest"),
                "order": "date_open desc, id desc",
            },
            "stage": {
                "label": request.env._("Stage"),
                "order": "stage_id, date_open desc, id desc",
            },
        }

    def _complaint_orders_domain(self, partner):
        """The confirmed orders a contact may name in a complaint: its
        company's, as the case accepts them."""
        return [
            ("partner_id", "child_of", partner.commercial_partner_id.id),
            ("state", "=", "sale"),
        ]

    def _complaint_invoices_domain(self, partner):
        return [
            ("partner_id", "child_of", partner.commercial_partner_id.id),
            ("move_type", "in", ("out_invoice", "out_refund")),
            ("state", "=", "posted"),
        ]

    def _complaint_documents(self, model, domain):
        """Documents listed as the user may read them: Odoo's portal rules
        apply on top of the domain."""
        Model = request.env[model]
        if not Model.has_access("read"):
            return Model
        return Model.search(domain, order="id desc")

    def _complaint_form_values(self, partner, form=None, error=None):
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "complaint_new",
                "form": form or {},
                "error": error,
                "orders": self._complaint_documents(
                    "sale.order", self._complaint_orders_domain(partner)
                ).sudo(),
                "invoices": self._complaint_documents(
                    "account.move", self._complaint_invoices_domain(partner)
                ).sudo(),
            }
        )
        return values

    def _complaint_parse_form(self, partner, form):
        """The case's values from the posted form, or a translated error:
        nothing is made from an input that does not pass."""
        _ = request.env._
        subject = (form.get("subject") or "").strip()
        description = (form.get("description") or "").strip()
        if not subject:
            raise UserError(_("Give your complaint a subject."))
        if len(subject) > SUBJECT_MAX_LENGTH:
            raise UserError(
                _(
                    "The subject is too long: at most %(max)s characters.",
                    max=SUBJECT_MAX_LENGTH,
                )
            )
        if len(description) > DESCRIPTION_MAX_LENGTH:
            raise UserError(
                _(
                    "The description is too long: at most %(max)s characters.",
                    max=DESCRIPTION_MAX_LENGTH,
                )
            )
        order = self._complaint_form_document(
            form.get("sale_order_id"),
            "sale.order",
            self._complaint_orders_domain(partner),
            _("This order is not one of yours."),
        )
        invoice = self._complaint_form_document(
            form.get("invoice_id"),
            "account.move",
            self._complaint_invoices_domain(partner),
            _("This invoice is not one of yours."),
        )
        return {
            "subject": subject,
            "description": plaintext2html(description) if description else False,
            "sale_order_id": order.id,
            "invoice_id": invoice.id,
        }

    def _complaint_form_document(self, raw_id, model, domain, message):
        if not raw_id:
            return request.env[model]
        try:
            record_id = int(raw_id)
        except (TypeError, ValueError):
            raise UserError(message) from None
        # Beyond PostgreSQL's integer the query itself would fail.
        if not 0 < record_id < 2**31:
            raise UserError(message)
        documents = self._complaint_documents(model, domain + [("id", "=", record_id)])
        if not documents:
            raise UserError(message)
        return documents

    def _complaint_get_page_view_values(self, complaint, access_token, **kwargs):
        values = {
            "page_name": "complaint",
            "complaint": complaint,
            # The conversation posts with the case's token: a customer may
            # read a case but not write it.
            "token": complaint._portal_ensure_token(),
        }
        return self._get_page_view_values(
            complaint, access_token, values, "my_complaints_history", False, **kwargs
        )

    # ------------------------------------------------------------
    # Routes
    # ------------------------------------------------------------

    @http.route(
        ["/my/complaints", "/my/complaints/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_complaints(self, page=1, sortby=None, **kw):
        Complaint = request.env["crm.lifecycle.complaint"]
        values = self._prepare_portal_layout_values()
        searchbar_sortings = self._complaint_get_searchbar_sortings()
        if sortby not in searchbar_sortings:
            sortby = "date"
        if Complaint.has_access("read"):
            domain = self._prepare_complaints_domain(request.env.user.partner_id)
            total = Complaint.search_count(domain)
        else:
            domain, total = None, 0
        pager = portal_pager(
            url="/my/complaints",
            url_args={"sortby": sortby},
            total=total,
            page=page,
            step=self._items_per_page,
        )
        complaints = Complaint
        if domain is not None:
            complaints = Complaint.search(
                domain,
                order=searchbar_sortings[sortby]["order"],
                limit=self._items_per_page,
                offset=pager["offset"],
            )
        request.session["my_complaints_history"] = complaints.ids[:100]
        values.update(
            {
                "complaints": complaints.sudo(),
                "page_name": "complaint",
                "default_url": "/my/complaints",
                "pager": pager,
                "searchbar_sortings": searchbar_sortings,
                "sortby": sortby,
            }
        )
        return request.render("crm_lifecycle.portal_my_complaints", values)

    @http.route(
        "/my/complaints/<int:complaint_id>", type="http", auth="public", website=True
    )
    def portal_my_complaint(self, complaint_id, access_token=None, **kw):
        try:
            complaint_sudo = self._document_check_access(
                "crm.lifecycle.complaint", complaint_id, access_token=access_token
            )
        except (AccessError, MissingError):
            return request.redirect("/my")
        values = self._complaint_get_page_view_values(
            complaint_sudo, access_token, **kw
        )
        return request.render("crm_lifecycle.portal_my_complaint", values)

    @http.route(
        "/my/complaints/new",
        type="http",
        auth="user",
        website=True,
        methods=["GET", "POST"],
    )
    def portal_new_complaint(self, **form):
        partner = request.env.user.partner_id
        if request.httprequest.method != "POST":
            return request.render(
                "crm_lifecycle.portal_new_complaint",
                self._complaint_form_values(partner),
            )
        form.pop("csrf_token", None)
        try:
            # Whatever fails, the form comes back and no case is left behind.
            with request.env.cr.savepoint():
                values = self._complaint_parse_form(partner, form)
                complaint = request.env["crm.lifecycle.complaint"]._portal_create(
                    partner, values
                )
        except UserError as error:
            return request.render(
                "crm_lifecycle.portal_new_complaint",
                self._complaint_form_values(partner, form=form, error=error.args[0]),
            )
        return request.redirect(complaint.access_url)
