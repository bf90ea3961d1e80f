import { registry } from "@web/core/registry";

/**
 * A manager approves a statement from the "To approve" list (multi-select + Approve).
 */
registry.category("web_tour.tours").add("commission_tracking_approve_tour", {
    steps: () => [
        {
            content: "The submitted statement waits in the manager's list",
            trigger: ".o_list_view .o_data_row:contains(Phạm Thu Hà)",
        },
        {
            content: "Select it",
            trigger: ".o_data_row:contains(Phạm Thu Hà) .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Approve the selection",
            trigger: ".o_control_panel button[name=action_approve], .o_list_buttons button[name=action_approve], button[name=action_approve]",
            run: "click",
        },
        {
            content: "Approved statements leave the list",
            trigger: ".o_view_nocontent, .o_list_view:not(:has(.o_data_row:contains(Phạm Thu Hà)))",
        },
    ],
});

/**
 * An accountant opens the approved statement and creates its vendor bill.
 */
registry.category("web_tour.tours").add("commission_tracking_bill_tour", {
    steps: () => [
        {
            content: "Open the approved statement",
            trigger: ".o_list_view .o_data_row .o_data_cell:contains(Phạm Thu Hà)",
            run: "click",
        },
        {
            content: "Create the vendor bill",
            trigger: ".o_form_view button[name=action_create_bills]",
            run: "click",
        },
        {
            content: "The draft vendor bill opens, made out to the salesperson",
            trigger:
                ".o_form_view:has(.o_field_widget[name=invoice_line_ids]) .o_field_widget[name=partner_id] input:value(Phạm Thu Hà)",
        },
        {
            content: "Its line is the commission",
            trigger: ".o_form_view .o_field_widget[name=invoice_line_ids] .o_data_row:contains(3,000,000)",
        },
    ],
});
