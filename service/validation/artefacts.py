"""Pinned validation artefacts: the `schemas/manifest.json` manifest, install, verify, status.

The manifest lists every file the service needs (UBL 2.1 XSD, EN 16931, Peppol BIS Billing 3.0 and
SI-UBL 2.0 rules, code lists, examples) by local path, upstream URL, version and SHA-256. Installing
downloads each file (or copies it from a local mirror laid out like ``shared/artifacts``) and refuses
any file whose SHA-256 differs from the pin. The files themselves are never committed.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from service.validation.releases import Release, ReleaseState, classify, parse_releases

if TYPE_CHECKING:  # httpx is imported only to download (not by the engine at run time)
    import httpx

__all__ = [
    "DEFAULT_MANIFEST",
    "ArtefactError",
    "ChecksumMismatch",
    "FileState",
    "FileStatus",
    "InstallReport",
    "Manifest",
    "ManifestFile",
    "install",
    "install_from_mirror",
    "load_manifest",
    "missing_artefacts",
    "sha256_file",
    "status",
]

DEFAULT_MANIFEST = Path(__file__).resolve().parents[2] / "schemas" / "manifest.json"
REQUIRED_ROLES = frozenset({"xsd", "schematron", "xslt", "codelist"})


class ArtefactError(Exception):
    """An artefact could not be installed or is missing / corrupt."""


class ChecksumMismatch(ArtefactError):
    def __init__(self, local_path: str, expected: str, actual: str, origin: str) -> None:
        super().__init__(
            f"{local_path}: SHA-256 mismatch from {origin}: expected {expected}, got {actual}; "
            "file refused"
        )
        self.local_path = local_path
        self.expected = expected
        self.actual = actual


@dataclass(frozen=True, slots=True)
class ManifestFile:
    local_path: str
    source: str
    role: str
    version: str
    url: str
    sha256: str
    bytes: int
    alt_url: str | None = None

    @property
    def required(self) -> bool:
        return self.role in REQUIRED_ROLES


@dataclass(frozen=True)
class Manifest:
    files: tuple[ManifestFile, ...]
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    releases: tuple[Release, ...] = ()  # releases.py: which release judges a document, by date

    def get(self, local_path: str) -> ManifestFile:
        for f in self.files:
            if f.local_path == local_path:
                return f
        raise KeyError(local_path)

    @property
    def required(self) -> tuple[ManifestFile, ...]:
        return tuple(f for f in self.files if f.required)

    def release_of(self, local_path: str) -> Release | None:
        """The release that alone needs this file, if any (its rule sets or its own folder)."""
        return next((r for r in self.releases if r.owns(local_path)), None)


def load_manifest(path: Path | None = None) -> Manifest:
    """Read the pinned manifest (default: ``schemas/manifest.json`` of this checkout)."""
    raw = json.loads((path or DEFAULT_MANIFEST).read_text(encoding="utf-8"))
    files = tuple(
        ManifestFile(
            local_path=f["local_path"],
            source=f["source"],
            role=f["role"],
            version=f["version"],
            url=f["url"],
            sha256=f["sha256"].lower(),
            bytes=int(f["bytes"]),
            alt_url=f.get("alt_url"),
        )
        for f in raw["files"]
    )
    return Manifest(files=files, sources=raw.get("sources", {}),
                    releases=parse_releases(raw.get("releases", ())))


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class FileState(StrEnum):
    installed = "installed"
    missing = "missing"
    corrupt = "corrupt"  # present, but its SHA-256 differs from the pin


@dataclass(frozen=True, slots=True)
class FileStatus:
    file: ManifestFile
    state: FileState


def status(dest: Path, manifest: Manifest | None = None) -> list[FileStatus]:
    """The state of every manifest file under ``dest`` (hashes each present file)."""
    manifest = manifest or load_manifest()
    result = []
    for f in manifest.files:
        path = dest / f.local_path
        if not path.is_file():
            state = FileState.missing
        elif sha256_file(path) != f.sha256:
            state = FileState.corrupt
        else:
            state = FileState.installed
        result.append(FileStatus(f, state))
    return result


def release_states(dest: Path, manifest: Manifest, now: datetime | None = None) -> list[ReleaseState]:
    """Every release of the manifest with its status at ``now`` (default: the current time)."""
    now = now or datetime.now(UTC)
    by_path = {st.file.local_path: st for st in status(dest, manifest)}
    installed: dict[str, tuple[str, ...]] = {}
    for release in manifest.releases:
        problems = tuple(
            f"{st.state.value}: {path}"
            for path, st in by_path.items()
            if release.owns(path) and st.file.required and st.state is not FileState.installed
        )
        missing_rules = tuple(f"not in the manifest: {p}" for p in release.rule_sets.values() if p not in by_path)
        installed[release.id] = problems + missing_rules
    return classify(manifest.releases, installed, now)


def missing_artefacts(dest: Path, manifest: Manifest | None = None) -> list[str]:
    """Readable problems with the required artefacts under ``dest``; empty when all are in place.

    A file that only one release needs (``Manifest.release_of``) is not required on its own: the
    engine then applies another installed release of the family and /readyz warns
    (``releases.release_warnings``). A family with no installed release at all is a problem.
    """
    manifest = manifest or load_manifest()
    problems = []
    for st in status(dest, manifest):
        if manifest.release_of(st.file.local_path) is not None:
            continue
        if st.file.required and st.state is not FileState.installed:
            problems.append(f"artefact {st.state.value}: {st.file.local_path} ({st.file.version})")
    states = release_states(dest, manifest)
    for family in dict.fromkeys(r.family for r in manifest.releases):
        mine = [s for s in states if s.release.family == family]
        if not any(s.installed for s in mine):
            problems += [f"release {s.release.id}: artefact {p}" for s in mine for p in s.problems[:3]]
    return problems


@dataclass
class InstallReport:
    installed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# Installed artefacts are public standards that the service account reads, often not the account
# that installed them (root in an image build, an administrator on a host): world-readable, whatever
# the installer's umask. mkstemp alone would leave every file 0600.
FILE_MODE, DIR_MODE = 0o644, 0o755


def _make_readable(dest: Path, target: Path) -> None:
    if target.stat().st_uid == os.geteuid():
        target.chmod(FILE_MODE)
    for folder in target.parents:
        if folder.stat().st_uid == os.geteuid():  # a folder someone else owns keeps its mode
            folder.chmod(folder.stat().st_mode & 0o7777 | DIR_MODE)
        if folder == dest:
            break


def _write_atomic(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _fetch_from_mirror(mirror: Path, f: ManifestFile) -> bytes:
    src = mirror / f.local_path
    if not src.is_file():
        raise ArtefactError(f"{f.local_path}: not found in mirror {mirror}")
    data = src.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != f.sha256:
        raise ChecksumMismatch(f.local_path, f.sha256, actual, f"mirror {mirror}")
    return data


def _fetch_from_network(client: httpx.Client, f: ManifestFile) -> bytes:
    import httpx

    errors = []
    for url in (f.url, f.alt_url):
        if not url:
            continue
        try:
            response = client.get(url)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            errors.append(f"{url}: {type(exc).__name__}: {exc}")
            continue
        data = response.content
        actual = hashlib.sha256(data).hexdigest()
        if actual != f.sha256:
            errors.append(str(ChecksumMismatch(f.local_path, f.sha256, actual, url)))
            continue
        return data
    raise ArtefactError(f"{f.local_path}: could not be installed: " + "; ".join(errors))


def install(
    dest: Path,
    *,
    mirror: Path | None = None,
    manifest: Manifest | None = None,
    client: httpx.Client | None = None,
    include_examples: bool = True,
    force: bool = False,
    progress: Callable[[ManifestFile], None] | None = None,
) -> InstallReport:
    """Install every pinned file into ``dest``, verifying each SHA-256.

    With ``mirror`` the files are copied from a local directory laid out like ``shared/artifacts``;
    otherwise they are downloaded from their upstream URL (falling back to ``alt_url``). A file whose
    checksum differs from the pin is refused and reported in ``InstallReport.errors``; files already
    installed with the right checksum are left alone unless ``force``.
    """
    manifest = manifest or load_manifest()
    report = InstallReport()
    files: Iterable[ManifestFile] = (
        f for f in manifest.files if include_examples or f.required
    )
    own_client = client is None and mirror is None
    if own_client:
        import httpx

        client = httpx.Client(timeout=httpx.Timeout(60.0), follow_redirects=True)
    try:
        for f in files:
            if progress:
                progress(f)
            target = dest / f.local_path
            if not force and target.is_file() and sha256_file(target) == f.sha256:
                _make_readable(dest, target)  # installed by an earlier version as 0600
                report.unchanged.append(f.local_path)
                continue
            try:
                if mirror is not None:
                    data = _fetch_from_mirror(mirror, f)
                else:
                    assert client is not None
                    data = _fetch_from_network(client, f)
            except ArtefactError as exc:
                report.errors.append(str(exc))
                continue
            _write_atomic(target, data)
            _make_readable(dest, target)
            report.installed.append(f.local_path)
    finally:
        if own_client and client is not None:
            client.close()
    return report




def install_from_mirror(mirror: Path, dest: Path, *, include_examples: bool = True) -> InstallReport:
    """Copy and verify every pinned file from a local mirror; raise ``ArtefactError`` on any refusal."""
    report = install(dest, mirror=mirror, include_examples=include_examples)
    if not report.ok:
        raise ArtefactError("; ".join(report.errors))
    return report
