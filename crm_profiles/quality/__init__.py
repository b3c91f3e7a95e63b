"""Data quality: completeness scores, duplicate matching and the customer merge."""
