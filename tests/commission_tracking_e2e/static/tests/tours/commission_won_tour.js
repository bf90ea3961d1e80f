import { registry } from "@web/core/registry";

/**
 * A salesperson opens their opportunity, sees the expected commission, marks it won, and
 * finds the commission computed by itself, with its explanation.
 */
registry.category("web_tour.tours").add("commission_tracking_won_tour", {
    steps: () => [
        {
            content: "The expected commission of the open opportunity is shown",
            trigger: ".o_field_widget[name=commission_expected]:contains(3,000,000)",
        },
        {
            content: "Mark the opportunity won",
            trigger: "button[name=action_set_won_rainbowman]",
            run: "click",
        },
        {
            content: "The commission smart button appears with the computed amount",
            trigger: "button[name=action_view_commission_lines]:contains(3,000,000)",
            run: "click",
        },
        {
            content: "Open the commission line",
            trigger: ".o_list_view .o_data_row .o_data_cell:contains(3,000,000)",
            run: "click",
        },
        {
            content: "The line explains its arithmetic",
            trigger: ".o_field_widget[name=explanation]:contains(100,000,000)",
        },
        {
            content: "The line is pending",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Pending)",
        },
    ],
});
