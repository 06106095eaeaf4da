import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("crm_lifecycle_dashboard_tour", {
    steps: () => [
        {
            content: "The Dashboards app lists the Customer Lifecycle group",
            trigger: ".o_spreadsheet_dashboard_search_panel header:contains(Customer Lifecycle)",
        },
        {
            content: "Open the Customer Lifecycle dashboard",
            trigger: ".o_spreadsheet_dashboard_search_panel li[data-name='Customer Lifecycle']",
            run: "click",
        },
        {
            content: "It is the active dashboard",
            trigger: ".o_search_panel_category_value.active[data-name='Customer Lifecycle']",
        },
        {
            content: "Its live data is loaded, not the sample",
            trigger: ".o_renderer:not(.o-sample-dashboard) .o-grid canvas",
        },
        {
            content: "No loading error",
            trigger: ".o_spreadsheet_dashboard_action:not(:has(.dashboard-loading-status))",
        },
        {
            content: "The global filters are shown once the data is loaded",
            trigger: ".o_control_panel .o-filter-value",
        },
        {
            content: "The customers scorecard is drawn",
            trigger: ".o_renderer canvas.o-scorecard[title='Customers']",
        },
        {
            content: "and the funnel chart",
            trigger: ".o_renderer .o-chart-container canvas.o-figure-canvas:not(.o-scorecard)",
        },
    ],
});
