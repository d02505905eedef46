"""Hosted forms: field specs from the catalog, validation, storing submissions, receipts, residents' applications."""
