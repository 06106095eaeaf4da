import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("crm_lifecycle_fit_tour", {
    steps: () => [
        {
            content: "The prospect closest to the best customers comes first",
            trigger: ".o_list_view .o_data_row:first-child:contains(Hilltop Bank)",
        },
        {
            content: "with the reason of its score",
            trigger:
                ".o_list_view .o_data_row:first-child td[name=lifecycle_fit_reasons]:contains(Industry: Fit Banking)",
        },
        {
            content: "The other prospect is listed after it",
            trigger: ".o_list_view .o_data_row:not(:first-child):contains(Corner Shop 0)",
        },
        {
            content: "Open the best prospect",
            trigger: ".o_list_view .o_data_row:first-child td.o_data_cell",
            run: "click",
        },
        {
            content: "Its form opens",
            trigger: ".o_form_view .o_field_widget[name=name] input",
        },
    ],
});
