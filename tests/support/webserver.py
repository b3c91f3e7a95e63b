"""Run the test site behind Frappe's own development web server for end-to-end HTTP tests."""

from __future__ import annotations

import socket
import subprocess
import time

import requests

from support.bench import SITE, SITES, bench_python


def free_port() -> int:
	with socket.socket() as s:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]


class SiteServer:
	def __init__(self):
		self.port = free_port()
		self.url = f"http://127.0.0.1:{self.port}"
		self.process: subprocess.Popen | None = None

	def start(self, wait_seconds: int = 120) -> SiteServer:
		cmd = [
			bench_python(),
			"-m",
			"frappe.utils.bench_helper",
			"frappe",
			"--site",
			SITE,
			"serve",
			"--port",
			str(self.port),
			"--noreload",
		]
		self.process = subprocess.Popen(cmd, cwd=SITES, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
		deadline = time.monotonic() + wait_seconds
		while time.monotonic() < deadline:
			if self.process.poll() is not None:
				raise RuntimeError(f"frappe serve exited: {self.process.stderr.read().decode()[-2000:]}")
			try:
				if requests.get(f"{self.url}/api/method/ping", timeout=2).ok:
					return self
			except requests.RequestException:
				pass
			time.sleep(0.5)
		self.stop()
		raise RuntimeError(f"frappe serve did not answer on {self.url} within {wait_seconds}s")

	def stop(self) -> None:
		if self.process and self.process.poll() is None:
			self.process.terminate()
			try:
				self.process.wait(timeout=10)
			except subprocess.TimeoutExpired:
				self.process.kill()
