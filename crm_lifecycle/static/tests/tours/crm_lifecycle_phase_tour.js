import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("crm_lifecycle_phase_tour", {
    steps: () => [
        {
            content: "The customer's phase is shown in the status bar",
            trigger: ".o_form_view .o_statusbar_status button[aria-checked='true']:contains(Acquisition)",
        },
        {
            content: "Set the phase by hand",
            trigger: "button[name=action_lifecycle_set_phase]",
            run: "click",
        },
        {
            content: "Choose Extension",
            trigger: ".modal div[name=phase] select",
            run: 'select "extension"',
        },
        {
            content: "Give the reason",
            trigger: ".modal div[name=reason] textarea",
            run: "edit Framework contract signed at the fair",
        },
        {
            content: "Apply",
            trigger: ".modal button[name=action_apply]",
            run: "click",
        },
        {
            content: "The status bar shows the new phase",
            trigger: ".o_form_view .o_statusbar_status button[aria-checked='true']:contains(Extension)",
        },
        {
            content: "The phase is locked: it can be unlocked",
            trigger: "button[name=action_lifecycle_unlock]",
        },
        {
            content: "Open the Lifecycle tab",
            trigger: ".o_notebook .nav-link:contains(Lifecycle)",
            run: "click",
        },
        {
            content: "The history shows the manual change with its reason",
            trigger: "div[name=lifecycle_history_ids] .o_data_row:contains(Framework contract signed at the fair):contains(Extension)",
        },
        {
            content: "and the phase the customer came from, now closed",
            trigger: "div[name=lifecycle_history_ids] .o_data_row:contains(Acquisition)",
        },
    ],
});
