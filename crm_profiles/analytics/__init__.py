"""Purchase figures, RFM scores, tiers and lifecycle stages computed from ERPNext's own orders."""
