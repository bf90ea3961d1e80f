import { registry } from "@web/core/registry";

/**
 * A referrer (portal user) follows the commissions paid to them: "My commissions" in the
 * portal home, the approved statement, then its lines and how each was computed.
 */
registry.category("web_tour.tours").add("commission_tracking_portal_tour", {
    url: "/my",
    steps: () => [
        {
            content: "The portal home offers My commissions, with one statement",
            trigger: ".o_portal_index_card a[href='/my/commissions']:contains(My commissions)",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The totals show the approved and the pending commission",
            trigger: ".o_commission_totals .o_commission_total_approved:contains(3,000,000)",
        },
        {
            trigger: ".o_commission_totals .o_commission_total_pending:contains(1,200,000)",
        },
        {
            content: "The approved statement is listed with its amount",
            trigger:
                "tr.o_commission_statement_row:contains(Approved) .o_commission_amount:contains(3,000,000)",
        },
        {
            content: "Only the referrer's statement is listed",
            trigger: ".o_portal_my_doc_table:not(:has(tr:contains(Đối tác Khác)))",
        },
        {
            content: "Open it",
            trigger: "tr.o_commission_statement_row a[href^='/my/commissions/']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The statement shows its total",
            trigger: ".o_commission_statement_portal .o_commission_amount:contains(3,000,000)",
        },
        {
            content: "A line shows the customer and the opportunity",
            trigger:
                "tr.o_commission_line_row:contains(Khách hàng Cổng):contains(Hợp đồng cổng thông tin)",
        },
        {
            content: "and explains how it was computed",
            trigger:
                "tr.o_commission_line_row .o_commission_explanation:contains(expected revenue of the opportunity)",
        },
        {
            content: "The PDF can be downloaded",
            trigger: "a.o_commission_download_pdf[href*='report_type=pdf']",
        },
    ],
});
