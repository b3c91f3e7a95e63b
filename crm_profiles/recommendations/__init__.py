"""Recommendations from order items: cross-sell by item affinity, and reorder-due items."""
