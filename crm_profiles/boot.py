"""What the desk's scripts need to know about this site, sent once with the boot info."""

from __future__ import annotations

from crm_profiles.compat import has_newsletter


def extend_bootinfo(bootinfo) -> None:
	bootinfo.crm_profiles = {"newsletter_available": has_newsletter()}
