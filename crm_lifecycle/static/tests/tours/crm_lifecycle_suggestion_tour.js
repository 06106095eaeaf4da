import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("crm_lifecycle_suggestion_tour", {
    steps: () => [
        {
            content: "Open the customer's suggestions",
            trigger: ".o_form_view .o_notebook .nav-link:contains(Suggestions)",
            run: "click",
        },
        {
            content: "The best suggestion says why",
            trigger:
                ".o_form_view div[name=lifecycle_suggestion_ids] .o_data_row:first:contains(Customers who bought Gadget A also bought Gadget B)",
        },
        {
            content: "Open the customer's quotations",
            trigger: ".o_form_view button[name=action_view_sale_order]",
            run: "click",
        },
        {
            content: "Open the quotation",
            trigger: ".o_list_view .o_data_row:first td.o_data_cell[name=name]",
            run: "click",
        },
        {
            content: "The quotation is open",
            trigger: ".o_form_view div[name=order_line] .o_data_row",
        },
        {
            content: "Open the quotation's suggestions",
            trigger: ".o_form_view .o_notebook .nav-link:contains(Suggestions)",
            run: "click",
        },
        {
            content: "Add the suggested product in one click",
            trigger:
                ".o_form_view div[name=lifecycle_suggestion_ids] .o_data_row:contains(Gadget B) button[name=action_add_to_order]",
            run: "click",
        },
        {
            content: "It is no longer suggested",
            trigger:
                ".o_form_view div[name=lifecycle_suggestion_ids]:not(:has(.o_data_row:contains(Gadget B)))",
        },
        {
            content: "Back to the order lines",
            trigger: ".o_form_view .o_notebook .nav-link:contains(Order Lines)",
            run: "click",
        },
        {
            content: "The product is on the quotation",
            trigger: ".o_form_view div[name=order_line] .o_data_row:contains(Gadget B)",
        },
    ],
});
