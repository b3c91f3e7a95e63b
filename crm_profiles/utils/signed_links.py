"""Signed, expiring links for customers without a desk account (surveys, self-service), and a per-IP
rate limit for the pages they open.

A token is ``<payload>.<signature>``: the payload is base64url JSON claims (``x``: the expiry, plus
whatever the caller puts in it); the signature is an HMAC-SHA256 over the payload with a key derived
from the site's own ``encryption_key`` and the link's purpose, so a survey token never opens a
self-service page and the other way round. ``read`` refuses, in this order, a token that is not text
or too long, a bad signature, claims that are not a JSON object with a valid expiry (all "tampered"),
and an expired one ("expired"). What is left (single use, revocation) is for the caller to check.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime

import frappe
from frappe import _
from frappe.utils import get_datetime, now_datetime
from frappe.utils.password import get_encryption_key

# Longer than any token we make; a longer one is refused before it is decoded.
MAX_TOKEN_LENGTH = 1000


class LinkTokenError(frappe.ValidationError):
	"""A token that must be refused; ``reason`` is "tampered", "expired", "used" or "revoked"."""

	def __init__(self, reason: str):
		super().__init__(reason)
		self.reason = reason


def _key(purpose: str) -> bytes:
	return hashlib.sha256(f"crm_profiles.{purpose}:".encode() + get_encryption_key().encode()).digest()


def _b64(data: bytes) -> str:
	return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
	return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(payload: str, purpose: str) -> str:
	return _b64(hmac.new(_key(purpose), payload.encode(), hashlib.sha256).digest())


def make(purpose: str, claims: dict, expires: datetime) -> str:
	"""A token for ``purpose`` carrying ``claims`` (JSON values) and the expiry, to the second."""
	payload = _b64(
		json.dumps({**claims, "x": get_datetime(expires).replace(microsecond=0).isoformat()}).encode()
	)
	return f"{payload}.{_sign(payload, purpose)}"


def read(purpose: str, token) -> dict:
	"""The token's claims with ``x`` as a datetime, or LinkTokenError ("tampered" or "expired")."""
	if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
		raise LinkTokenError("tampered")
	payload, _dot, signature = token.partition(".")
	if not payload or not signature or not hmac.compare_digest(_sign(payload, purpose), signature):
		raise LinkTokenError("tampered")
	try:
		claims = json.loads(_unb64(payload))
		claims["x"] = get_datetime(claims["x"])
		if not isinstance(claims["x"], datetime):
			raise ValueError
	except Exception:
		raise LinkTokenError("tampered") from None
	if now_datetime() > claims["x"]:
		raise LinkTokenError("expired")
	return claims


def check_rate_limit(bucket: str, limit: int, seconds: int = 3600) -> None:
	"""At most ``limit`` calls per ``seconds`` from one IP address to ``bucket``, else a 429.

	Frappe's ``@rate_limit`` guards whitelisted methods; web pages call this, so that a page and its
	API share one budget per address.
	"""
	if not getattr(frappe.local, "request", None):
		return  # called from the server itself (tests, jobs): nothing to limit
	ip = frappe.local.request_ip or "unknown"
	key = frappe.cache.make_key(f"crm_profiles:rl:{bucket}:{ip}")
	if not frappe.cache.get(key):
		frappe.cache.setex(key, seconds, 0)
	if frappe.cache.incrby(key, 1) > limit:
		frappe.throw(
			_("Too many requests from your address. Please try again later."),
			frappe.RateLimitExceededError,
			title=_("Too many requests"),
		)
