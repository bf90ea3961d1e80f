{
    "name": "Commission Tracking Reports",
    "summary": "Commission analysis: totals, average rate, per salesperson, team and period",
    "version": "19.0.1.0.0",
    "category": "Sales/Commissions",
    "website": "https://github.com/commission-tracking/commission-tracking",
    "author": "Commission Tracking Team",
    "maintainers": ["commission-tracking"],
    "license": "LGPL-3",
    "installable": True,
    "external_dependencies": {"python": ["xlsxwriter"]},
    "depends": ["commission_tracking"],
    "data": [
        "views/commission_analysis_views.xml",
        "views/commission_statement_views.xml",
    ],
}
