import { registry } from "@web/core/registry";

/**
 * The administrator creates a tiered plan through the form: a rule with inline tiers.
 */
registry.category("web_tour.tours").add("commission_tracking_plan_tour", {
    steps: () => [
        {
            content: "Create a plan",
            trigger: ".o_control_panel .o_list_button_add",
            run: "click",
        },
        {
            content: "Name it",
            trigger: ".o_field_widget[name=name] input",
            run: "edit Hoa hồng bậc thang quý",
        },
        {
            content: "Add a rule",
            trigger: ".o_field_widget[name=rule_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Open the tier modes",
            trigger: ".modal .o_field_widget[name=tier_mode] input",
            run: "click",
        },
        {
            content: "Tiered, marginal",
            trigger: ".o_select_menu_item:contains(marginal)",
            run: "click",
        },
        {
            content: "Add the first tier",
            trigger: ".modal .o_field_widget[name=tier_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Rate of the first tier",
            trigger: ".modal .o_field_widget[name=tier_ids] .o_selected_row .o_field_widget[name=rate] input",
            run: "edit 3",
        },
        {
            content: "Add the second tier",
            trigger: ".modal .o_field_widget[name=tier_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Threshold of the second tier",
            trigger:
                ".modal .o_field_widget[name=tier_ids] .o_selected_row .o_field_widget[name=threshold] input",
            run: "edit 100000000",
        },
        {
            content: "Rate of the second tier",
            trigger: ".modal .o_field_widget[name=tier_ids] .o_selected_row .o_field_widget[name=rate] input",
            run: "edit 5",
        },
        {
            content: "Save the rule",
            trigger: ".modal .modal-footer .o_form_button_save:contains(Save & Close)",
            run: "click",
        },
        {
            content: "The rule is listed with its tiers in plain words",
            trigger: ".o_field_widget[name=rule_ids] .o_data_row:contains(100,000,000)",
        },
        {
            content: "Save the plan",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_saved",
        },
    ],
});

/**
 * A salesperson working in Vietnamese finds the commission app in their own words.
 */
registry.category("web_tour.tours").add("commission_tracking_vietnamese_tour", {
    steps: () => [
        {
            content: "The menu is in Vietnamese",
            trigger: ".o_main_navbar:contains(Hoa hồng của tôi)",
        },
        {
            content: "Open a commission line",
            trigger: ".o_list_view .o_data_row .o_data_cell:contains(3.000.000)",
            run: "click",
        },
        {
            content: "Its status is Vietnamese",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Đang chờ xử lý)",
        },
        {
            content: "Its explanation is Vietnamese",
            trigger: ".o_field_widget[name=explanation]:contains(Cơ sở tính)",
        },
    ],
});
