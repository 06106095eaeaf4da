import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("crm_lifecycle_segment_tour", {
    steps: () => [
        {
            content: "The segment dashboard shows customers by RFM segment",
            trigger: ".o_pivot th.o_pivot_header_cell_closed:contains(Loyal)",
        },
        {
            content: "Drill into the At Risk segment",
            trigger: ".o_pivot tr:has(th:contains(At Risk)) td.o_pivot_cell_value:first",
            run: "click",
        },
        {
            content: "The at-risk customer is listed, alone",
            trigger: ".o_list_view .o_data_row:contains(Kestrel Marine)",
        },
        {
            content: "No other customer is at risk",
            trigger: ".o_list_view:not(:has(.o_data_row:contains(Lykia Tours)))",
        },
        {
            content: "Open the customer",
            trigger: ".o_list_view .o_data_row:contains(Kestrel Marine) td.o_data_cell",
            run: "click",
        },
        {
            content: "Open the Retention tab",
            trigger: ".o_form_view .o_notebook .nav-link:contains(Retention)",
            run: "click",
        },
        {
            content: "The customer's segment and scores are shown",
            trigger: ".o_form_view div[name=rfm_segment]:contains(At Risk)",
        },
        {
            content: "with its recency score",
            trigger: ".o_form_view div[name=rfm_recency_score]:contains(1)",
        },
    ],
});
