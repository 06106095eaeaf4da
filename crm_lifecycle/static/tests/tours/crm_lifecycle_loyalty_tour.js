import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("crm_lifecycle_loyalty_partner_tour", {
    steps: () => [
        {
            content: "Open the loyalty section of the customer",
            trigger: ".o_form_view .o_notebook .nav-link:contains(Loyalty)",
            run: "click",
        },
        {
            content: "The customer is in the Silver tier",
            trigger: ".o_field_widget[name=loyalty_tier_id]:contains(Silver)",
        },
        {
            content: "Its balance is the points of its paid invoice",
            trigger: ".o_field_widget[name=loyalty_points]:contains(620.00)",
        },
        {
            content: "Gold is next, 380 points away",
            trigger: ".o_field_widget[name=loyalty_next_tier_id]:contains(Gold)",
        },
        {
            trigger: ".o_field_widget[name=loyalty_next_tier_missing]:contains(380.00)",
        },
        {
            content: "The card history names the invoice",
            trigger: ".o_field_widget[name=loyalty_history_ids] .o_data_row:contains(Points earned by paying)",
        },
    ],
});
