import { registry } from "@web/core/registry";

// An accountant opens a customer from Invoicing, reads its payment history
// and prints it. The data come from the Python test.
registry.category("web_tour.tours").add("crm_lifecycle_payment_history_tour", {
    steps: () => [
        {
            content: "Open the apps menu",
            trigger: ".o_navbar_apps_menu button",
            run: "click",
        },
        {
            content: "Open Invoicing",
            trigger: ".o_app[data-menu-xmlid='account.menu_finance']",
            run: "click",
        },
        {
            content: "Open the Customers menu",
            trigger: ".o_main_navbar [data-menu-xmlid='account.menu_finance_receivables']",
            run: "click",
        },
        {
            content: "Open the customers",
            trigger: ".dropdown-item[data-menu-xmlid='account.menu_account_customer']",
            run: "click",
        },
        {
            content: "Search the customer",
            trigger: ".o_searchview_input",
            run: "edit Payhist Tour Customer",
        },
        {
            trigger: ".o_searchview_input",
            run: "press Enter",
        },
        {
            content: "Open the customer",
            trigger: ".o_kanban_record:contains(Payhist Tour Customer)",
            run: "click",
        },
        {
            content: "Open the Payment History tab",
            trigger: ".o_notebook .nav-link:contains(Payment History)",
            run: "click",
        },
        {
            content: "One of two invoices paid late: grade D",
            trigger: ".o_field_widget[name=payment_grade]:contains(D)",
        },
        {
            content: "Half the amount paid on time",
            trigger: ".o_notebook .o_field_widget[name=payment_on_time_ratio]:contains(50.0)",
        },
        {
            content: "Open the installments",
            trigger: ".oe_stat_button[name=action_view_payment_installments]",
            run: "click",
        },
        {
            content: "One installment paid late",
            trigger: ".o_list_view .o_data_row:contains(Paid Late)",
        },
        {
            content: "One installment paid on time",
            trigger: ".o_list_view .o_data_row:contains(Paid on Time)",
        },
        {
            content: "Back to the customer",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains(Payhist Tour Customer)",
            run: "click",
        },
        {
            content: "Open the Payment History tab again",
            trigger: ".o_notebook .nav-link:contains(Payment History)",
            run: "click",
        },
        {
            content: "Print the payment history",
            trigger: "button[name=action_print_payment_history]",
            run: "click",
        },
        {
            content: "Print the last 12 months",
            trigger: ".modal button[name=action_print]",
            run: "click",
        },
        {
            content: "The report is downloaded and the dialog closed",
            trigger: "body:not(:has(.modal))",
        },
    ],
});
