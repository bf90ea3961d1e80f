import { rpc } from "@web/core/network/rpc";
import { registry } from "@web/core/registry";

/**
 * Background mode: the salesperson wins their opportunity; the form says the commission is
 * being computed in the background. When it is computed elsewhere (here: the "Compute
 * commissions" action called outside this form, as the scheduled action would), the open form
 * refreshes by itself: the banner goes and the commission shows, without reloading the page.
 */
registry.category("web_tour.tours").add("commission_tracking_background_refresh_tour", {
    steps: () => [
        {
            content: "Mark the opportunity won",
            trigger: "button[name=action_set_won_rainbowman]",
            run: "click",
        },
        {
            content: "The form says the commission is being computed in the background",
            trigger: ".alert-info:contains(being computed in the background)",
        },
        {
            content: "No commission yet on the form",
            trigger: ".o_form_view:not(:has(button[name=action_view_commission_lines]:visible))",
        },
        {
            content: "The commission is computed outside this form",
            trigger: ".o_form_view",
            run: async () => {
                const leadId = parseInt(window.location.pathname.split("/").pop());
                await rpc("/web/dataset/call_kw/crm.lead/action_compute_commissions", {
                    model: "crm.lead",
                    method: "action_compute_commissions",
                    args: [[leadId]],
                    kwargs: {},
                });
            },
        },
        {
            content: "The open form shows the commission by itself",
            trigger: "button[name=action_view_commission_lines]:contains(3,000,000)",
        },
        {
            content: "The banner is gone",
            trigger: ".o_form_view:not(:has(.alert-info:contains(being computed in the background)))",
        },
    ],
});
