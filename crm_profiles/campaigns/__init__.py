"""Campaigns from segments: audience with a held-out control group, and measured effect."""
