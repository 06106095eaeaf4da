import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("crm_lifecycle_complaint_portal_submit_tour", {
    steps: () => [
        {
            content: "Open the form of a new complaint",
            trigger: "a.o_complaint_portal_new",
            run: "click",
        },
        {
            content: "Give the subject",
            trigger: "form.o_complaint_portal_form input[name=subject]",
            run: "edit Sensor arrived broken",
        },
        {
            content: "Tell what happened",
            trigger: "form.o_complaint_portal_form textarea[name=description]",
            run: "edit The casing is cracked.",
        },
        {
            content: "Name the order it came with",
            trigger: "form.o_complaint_portal_form select[name=sale_order_id]",
            run: "selectByIndex 1",
        },
        {
            content: "Submit the complaint",
            trigger: "button.o_complaint_portal_submit",
            run: "click",
        },
        {
            content: "The case opens, with its number and stage",
            trigger: ".o_complaint_portal_case:contains(Sensor arrived broken) .o_complaint_portal_stage",
        },
        {
            content: "The conversation is ready for a reply",
            trigger: "#chatterRoot:shadow .o-mail-Composer-input",
        },
    ],
});

registry.category("web_tour.tours").add("crm_lifecycle_complaint_answer_tour", {
    steps: () => [
        {
            content: "The case submitted in the portal is open",
            trigger: ".o_form_view div[name=name]:contains(CASE/)",
        },
        {
            content: "Answer the customer",
            trigger: ".o-mail-Chatter button:contains(Send message)",
            run: "click",
        },
        {
            content: "Write the answer",
            trigger: ".o-mail-Composer-input",
            run: "edit We are sending a replacement sensor today.",
        },
        {
            content: "Send it",
            trigger: ".o-mail-Composer-send:enabled",
            run: "click",
        },
        {
            content: "The answer is in the conversation",
            trigger: ".o-mail-Message-body:contains(We are sending a replacement sensor today.)",
        },
        {
            content: "Open the resolution",
            trigger: ".o_form_view .o_notebook .nav-link:contains(Resolution)",
            run: "click",
        },
        {
            content: "Say how the case was resolved",
            trigger: ".o_form_view div[name=resolution] textarea",
            run: "edit Replacement sensor delivered and installed.",
        },
        {
            content: "Close the case",
            trigger: ".o_form_view .o_statusbar_status button:contains(Tour Solved)",
            run: "click",
        },
        {
            content: "The case is closed and saved",
            trigger: ".o_form_view .o_statusbar_status button[aria-checked=true]:contains(Tour Solved)",
        },
        {
            content: "and saved",
            trigger: ".o_form_saved",
        },
    ],
});

registry.category("web_tour.tours").add("crm_lifecycle_complaint_portal_resolved_tour", {
    steps: () => [
        {
            content: "The customer sees the case closed",
            trigger: ".o_complaint_portal_stage:contains(Tour Solved)",
        },
        {
            content: "with its resolution",
            trigger: ".o_complaint_portal_resolution:contains(Replacement sensor delivered and installed.)",
        },
        {
            content: "and the answer in the conversation",
            trigger: "#chatterRoot:shadow .o-mail-Message-body:contains(We are sending a replacement sensor today.)",
        },
        {
            content: "Thank the sales team",
            trigger: "#chatterRoot:shadow .o-mail-Composer-input",
            run: "edit Received, thank you.",
        },
        {
            content: "Send the reply",
            trigger: "#chatterRoot:shadow .o-mail-Composer-send:enabled",
            run: "click",
        },
        {
            content: "The reply is in the conversation",
            trigger: "#chatterRoot:shadow .o-mail-Message-body:contains(Received, thank you.)",
        },
    ],
});

registry.category("web_tour.tours").add("crm_lifecycle_complaint_customer_form_tour", {
    steps: () => [
        {
            content: "The customer's form counts the case",
            trigger: ".o_form_view button[name=action_view_complaints]:contains(Complaints):contains(1)",
        },
        {
            content: "Open the customer's complaints",
            trigger: ".o_form_view .o_notebook .nav-link:contains(Complaints)",
            run: "click",
        },
        {
            content: "The case is there, closed",
            trigger: ".o_form_view div[name=complaint_ids] .o_data_row:contains(Sensor arrived broken):contains(Tour Solved)",
        },
    ],
});
