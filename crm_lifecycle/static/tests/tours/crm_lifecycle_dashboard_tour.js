import { registry } from "@web/core/registry";

/** The o-spreadsheet model of the dashboard on screen. */
function findSpreadsheetModel(node) {
    const model = node.component?.props?.model;
    if (model?.getters?.getEvaluatedCell) {
        return model;
    }
    for (const child of Object.values(node.children || {})) {
        const found = findSpreadsheetModel(child);
        if (found) {
            return found;
        }
    }
    return null;
}

registry.category("web_tour.tours").add("crm_lifecycle_dashboard_tour", {
    steps: () => [
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
            content: "Its live data is shown, not the sample",
            trigger: ".o_renderer:not(.o-sample-dashboard) .o-grid canvas",
        },
        {
            content: "No loading error",
            trigger: ".o_spreadsheet_dashboard_action:not(:has(.dashboard-loading-status))",
        },
        {
            content: "The global filters are shown once the spreadsheet is loaded",
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
        {
            content: "The customers figure comes from its pivot: the three customers",
            trigger: ".o_renderer canvas.o-scorecard[title='Customers']",
            async run() {
                let value;
                for (let i = 0; i < 150; i++) {
                    const model = findSpreadsheetModel(odoo.__WOWL_DEBUG__.root.__owl__);
                    value = model?.getters.getEvaluatedCell({ sheetId: "data", col: 1, row: 1 })
                        .value;
                    if (typeof value === "number") {
                        break;
                    }
                    await new Promise((resolve) => setTimeout(resolve, 200));
                }
                if (value !== 3) {
                    throw new Error(`The Customers figure reads ${value}, not 3`);
                }
            },
        },
    ],
});
