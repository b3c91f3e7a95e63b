"""Take desk screenshots of a running site in Debian's headless Chromium, for docs/screenshots/.

    python scripts/screenshots.py --url http://crm.localhost:8000 --password admin [--lang zh]
    python scripts/screenshots.py --url http://crm.localhost:8001 --out docs/screenshots/v16   # Frappe 16

Needs the `playwright` Python package (driver only: it never downloads a browser; Debian's
/usr/bin/chromium is used). Each shot is taken at desktop (1280x800) and phone (390x844) size.
"""

from __future__ import annotations

import argparse
import json
import re
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
CHROMIUM_ARGS = [
	"--no-sandbox",
	"--disable-gpu",
	"--disable-quic",
	"--no-first-run",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
]


def first_name(url: str, doctype: str, session: str, filters: list | None = None) -> str:
	query = f"/api/resource/{doctype.replace(' ', '%20')}?limit_page_length=1&order_by=modified%20desc"
	if filters:
		query += "&filters=" + urllib.request.quote(json.dumps(filters))
	request = urllib.request.Request(url + query, headers={"Cookie": f"sid={session}"})
	rows = json.load(urllib.request.urlopen(request))["data"]
	return rows[0]["name"] if rows else first_name(url, doctype, session) if filters else ""


def set_language(url: str, session: str, user: str, lang: str, csrf_token: str) -> str | None:
	"""Set the user's desk language; returns the previous one (None when it already was ``lang``)."""
	path = f"{url}/api/resource/User/{urllib.request.quote(user)}"
	request = urllib.request.Request(path, headers={"Cookie": f"sid={session}"})
	previous = json.load(urllib.request.urlopen(request))["data"].get("language") or "en"
	if previous == lang:
		return None
	body = json.dumps({"language": lang}).encode()
	request = urllib.request.Request(
		path,
		data=body,
		method="PUT",
		headers={
			"Cookie": f"sid={session}",
			"Content-Type": "application/json",
			"X-Frappe-CSRF-Token": csrf_token,
		},
	)
	urllib.request.urlopen(request)
	return previous


def _customer_of(url: str, session: str, recommendation: str) -> str:
	path = f"{url}/api/resource/Customer Recommendation/{recommendation}".replace(" ", "%20")
	request = urllib.request.Request(path, headers={"Cookie": f"sid={session}"})
	return json.load(urllib.request.urlopen(request))["data"]["customer"]


STILL_LOADING = """() => ![...document.querySelectorAll('.chart-loading-state, .widget-loading, .dt-scrollable')]
	.some((e) => e.offsetParent && /Loading/.test(e.innerText))"""


def settle(page) -> None:
	page.wait_for_load_state("networkidle")
	try:  # charts, number cards and report rows draw after their data arrives
		page.wait_for_function(STILL_LOADING, timeout=30_000)
	except Exception:
		print("warning: still loading after 30 s:", page.url)
	time.sleep(1.5)


def main() -> None:
	parser = argparse.ArgumentParser()
	parser.add_argument("--url", default="http://crm.localhost:8000")
	parser.add_argument("--user", default="Administrator")
	parser.add_argument("--password", default="admin")
	parser.add_argument("--only", nargs="*", help="names of shots to take (default: all)")
	parser.add_argument("--lang", help="take the shots with the user's language set to this (e.g. zh)")
	parser.add_argument("--out", type=Path, default=OUT, help=f"folder for the PNGs (default {OUT})")
	args = parser.parse_args()
	out = args.out.absolute()
	out.mkdir(parents=True, exist_ok=True)
	with sync_playwright() as p:
		browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
		for size_name, viewport in SIZES.items():
			context = browser.new_context(viewport=viewport, device_scale_factor=1)
			page = context.new_page()
			page.goto(args.url + "/login")
			page.fill("#login_email", args.user)
			page.fill("#login_password", args.password)
			page.click(".btn-login")
			# The desk is at /app on Frappe 15 and at /desk on Frappe 16: take it from where login lands.
			page.wait_for_url(re.compile(r"/(app|desk)(/|$|\?)"))
			desk = "/desk" if "/desk" in page.url else "/app"
			session = next(c["value"] for c in context.cookies() if c["name"] == "sid")
			previous = None
			if args.lang:
				token = page.evaluate("() => frappe.csrf_token")
				previous = set_language(args.url, session, args.user, args.lang, token)
			suffix = f"-{args.lang}" if args.lang else ""
			profile = first_name(args.url, "Customer Profile", session, [["order_count", ">", 5]])
			interaction = first_name(args.url, "Customer Interaction", session)
			segment = first_name(args.url, "Customer Segment", session, [["member_count", ">", 0]])
			campaign = first_name(args.url, "Customer Campaign", session, [["status", "=", "Sent"]])
			shots = {
				"segment": f"{desk}/customer-segment/{urllib.request.quote(segment)}",
				"campaign-effect": f"{desk}/query-report/Campaign Effect?customer_campaign="
				+ urllib.request.quote(campaign),
				"profile": f"{desk}/customer-profile/{urllib.request.quote(profile)}",
				"interaction": f"{desk}/customer-interaction/{interaction}",
				"profile-list": f"{desk}/customer-profile",
				"workspace": f"{desk}/customer-profiles",
				"customer-360": f"{desk}/query-report/Customer 360",
				"rfm-analysis": f"{desk}/query-report/RFM Analysis",
			}
			for name, path in shots.items():
				if args.only and name not in args.only:
					continue
				page.goto(args.url + path)
				settle(page)
				page.screenshot(path=str(out / f"{name}{suffix}-{size_name}.png"))
				print("wrote", out / f"{name}{suffix}-{size_name}.png")
			if not args.only or "recommendations" in args.only:
				recommended = first_name(args.url, "Customer Recommendation", session)
				customer = _customer_of(args.url, session, recommended)
				page.goto(args.url + f"{desk}/customer-profile/{urllib.request.quote(customer)}")
				settle(page)
				page.locator(".form-tabs .nav-link", has_text="Purchases").first.click()
				time.sleep(1)
				page.locator("[data-fieldname='recommendations_html']").first.scroll_into_view_if_needed()
				time.sleep(1)
				page.screenshot(path=str(out / f"recommendations{suffix}-{size_name}.png"))
				print("wrote", out / f"recommendations{suffix}-{size_name}.png")
			if not args.only or "log-interaction" in args.only:
				page.goto(args.url + shots["profile"])
				settle(page)
				page.locator(".crm-log-interaction").click()
				page.locator(".modal.show").wait_for()
				time.sleep(1)
				page.screenshot(path=str(out / f"log-interaction{suffix}-{size_name}.png"))
				print("wrote", out / f"log-interaction{suffix}-{size_name}.png")
			if previous:
				set_language(args.url, session, args.user, previous, token)
			context.close()
		browser.close()


if __name__ == "__main__":
	main()
