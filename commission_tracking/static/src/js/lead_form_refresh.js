import { onWillDestroy } from "@odoo/owl";
import { useService } from "@web/core/utils/hooks";
import { patch } from "@web/core/utils/patch";
import { FormController } from "@web/views/form/form_controller";

/**
 * Background mode: an opportunity won by this user waits for the scheduled action, which tells
 * the user when it is computed ("commission_tracking/computed", see commission.queue). An open
 * form of that opportunity then reloads: the "being computed" banner goes and the commission
 * shows. A form with unsaved changes is left alone.
 */
patch(FormController.prototype, {
    setup() {
        super.setup(...arguments);
        if (this.props.resModel !== "crm.lead") {
            return;
        }
        const busService = useService("bus_service");
        const onComputed = async ({ lead_ids }) => {
            const record = this.model.root;
            if (!record.resId || !lead_ids.includes(record.resId) || (await record.isDirty())) {
                return;
            }
            await record.load();
        };
        busService.subscribe("commission_tracking/computed", onComputed);
        onWillDestroy(() => busService.unsubscribe("commission_tracking/computed", onComputed));
    },
});
