"""Fill the match keys of every existing Customer Profile (added with indexed duplicate checks).

Set-based: one SELECT of all profiles, the normalisation in Python, and the keys written back in
chunked UPDATEs (``match_keys.refresh``); idempotent, unchanged keys are not written.
"""

from __future__ import annotations

from crm_profiles.quality import match_keys


def execute():
	match_keys.refresh()
