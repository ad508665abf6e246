"""Reports for a period and chosen members (seed 001, "Générer des rapports"): what each
did on the phone, the outcomes they recorded, their cases, their sales funnel and revenue
(tables), as .xlsx or CSV files (spreadsheets), written by an RQ job for the panel
(downloads)."""
