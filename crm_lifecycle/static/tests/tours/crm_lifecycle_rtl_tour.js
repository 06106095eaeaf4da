import { localization } from "@web/core/l10n/localization";
import { registry } from "@web/core/registry";

// The web client marks the body o_rtl from the language's direction; the
// stylesheets are flipped by rtlcss when it is installed on the server.
function checkRightToLeft() {
    if (localization.direction !== "rtl" || !document.body.classList.contains("o_rtl")) {
        throw new Error("The web client is not right-to-left for a Persian user");
    }
}

// A Persian user: the data and the language come from the Python test.
registry.category("web_tour.tours").add("crm_lifecycle_rtl_partner_tour", {
    steps: () => [
        {
            content: "The web client is laid out right-to-left",
            trigger: "body.o_rtl .o_form_view",
            run: checkRightToLeft,
        },
        {
            content: "The status bar shows the phase in Persian: acquisition",
            trigger: ".o_form_view .o_statusbar_status button[aria-checked='true']:contains(جذب)",
        },
        {
            content: "and the other phases in Persian",
            trigger: ".o_form_view .o_statusbar_status:contains(گزینش):contains(حفظ مشتری):contains(توسعه)",
        },
        {
            content: "The payment history tab is labelled in Persian",
            trigger: ".o_notebook .nav-link:contains(سوابق پرداخت)",
            run: "click",
        },
        {
            content: "and its figures too",
            trigger: ".o_notebook .tab-pane.active:contains(رتبه پرداخت):contains(۱۲ ماه گذشته)",
        },
    ],
});

registry.category("web_tour.tours").add("crm_lifecycle_rtl_funnel_tour", {
    steps: () => [
        {
            content: "The funnel is laid out right-to-left",
            trigger: "body.o_rtl .o_kanban_view.o_crm_lifecycle_funnel",
            run: checkRightToLeft,
        },
        {
            content: "Its title is in Persian",
            trigger: ".o_breadcrumb:contains(قیف)",
        },
        {
            content: "The acquisition card is in Persian",
            trigger: ".o_kanban_record:contains(جذب):contains(تبدیل به مرحله بعد)",
        },
    ],
});
