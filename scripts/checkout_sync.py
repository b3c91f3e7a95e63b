"""Put this checkout on a bench: one implementation for scripts/bootstrap and the test suite.

Stdlib only (bootstrap runs before any virtualenv exists). A copy, not a link: the bench must keep
working after a CI clone is deleted.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

APP = "crm_profiles"
REPO = Path(__file__).resolve().parents[1]
EXCLUDES = (".git", "__pycache__", "*.egg-info", ".pytest_cache", ".ruff_cache", "node_modules")
FINGERPRINTED = {".py", ".json", ".txt", ".csv", ".js", ".html"}


def app_fingerprint(root: Path) -> str:
	"""A hash of everything migrate reads (JSON, Python, hooks, fixtures, patches, translations), so a
	site is migrated only when the app changed."""
	digest = hashlib.sha256()
	for path in sorted((root / APP).rglob("*")):
		if path.is_file() and "__pycache__" not in path.parts and path.suffix in FINGERPRINTED:
			digest.update(str(path.relative_to(root)).encode())
			digest.update(path.read_bytes())
	return digest.hexdigest()


def sync_checkout(bench: Path, python: str, repo: Path = REPO) -> list[str]:
	"""Copy ``repo`` into ``bench/apps/crm_profiles``, make it importable by the bench's Python, list it
	in apps.txt and link its assets. Returns what it changed (empty when the bench already had it)."""
	changes = []
	target = bench / "apps" / APP
	if target.resolve() != repo.resolve():
		if target.is_symlink():
			target.unlink()
		target.mkdir(parents=True, exist_ok=True)
		copied = subprocess.run(
			["rsync", "-ai", "--delete", *[f"--exclude={e}" for e in EXCLUDES], f"{repo}/", f"{target}/"],
			check=True,
			capture_output=True,
			text=True,
		)
		if copied.stdout.strip():
			changes.append("copied this checkout into apps/crm_profiles")
	probe = subprocess.run(
		[python, "-c", f"import {APP}, pathlib; print(pathlib.Path({APP}.__file__).resolve().parent)"],
		capture_output=True,
		text=True,
		cwd="/",
	)
	if probe.returncode != 0 or Path(probe.stdout.strip()) != (target / APP).resolve():
		# pip's own output (the build backend's notes on an editable install) is shown only on failure.
		installed = subprocess.run(
			[python, "-m", "pip", "install", "-q", "--no-deps", "-e", str(target)],
			capture_output=True,
			text=True,
		)
		if installed.returncode != 0:
			raise SystemExit(
				f"pip install -e {target} failed:\n{installed.stdout[-3000:]}\n{installed.stderr[-5000:]}"
			)
		changes.append("installed crm_profiles into the bench's Python")
	apps_txt = bench / "sites" / "apps.txt"
	apps = apps_txt.read_text().split()
	if APP not in apps:
		apps_txt.write_text("\n".join([*apps, APP]) + "\n")
		changes.append("listed crm_profiles in sites/apps.txt")
	link = bench / "sites" / "assets" / APP
	if not link.exists():
		link.parent.mkdir(parents=True, exist_ok=True)
		link.symlink_to(target / APP / "public")
		changes.append("linked crm_profiles' assets")
	return changes
