"""Consent ledger, do-not-contact and record scoping."""
