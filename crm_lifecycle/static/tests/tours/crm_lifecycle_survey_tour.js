import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("crm_lifecycle_survey_tour", {
    steps: () => [
        {
            content: "Open the satisfaction survey from the invitation link",
            trigger: "button.btn:contains(Start)",
            run: "click",
        },
        {
            content: "Answer 6 to the NPS question",
            trigger: 'div.js_question-wrapper:contains("recommend us to a friend") label:contains("6")',
            run: "click",
        },
        {
            content: "Answer 4 to the satisfaction question",
            trigger: 'div.js_question-wrapper:contains("how satisfied are you") label:contains("4")',
            run: "click",
        },
        {
            content: "Explain the score",
            trigger: 'div.js_question-wrapper:contains("main reason for your score") textarea',
            run: "edit Good products, slow delivery",
        },
        {
            content: "Submit the answers",
            trigger: 'button[value="finish"]',
            run: "click",
        },
        {
            content: "The survey thanks the customer",
            trigger: ".o_survey_finished:contains(We read every one of them)",
        },
    ],
});
