"""Releases of a rule-set family by date: which release judges a document received at a given time.

Peppol publishes BIS Billing twice a year and makes each release mandatory from a date; the
manifest (``schemas/manifest.json``, ``releases``) lists the releases of a family with the date from
which each applies. A document is validated with the release in force at its time of receipt: the
latest *installed* release whose date has come. A release whose date has come but which is not
installed is "overdue": the instance then still applies its predecessor, and ``/readyz`` warns.

Moving to the next release is a manifest change (its files and a ``releases`` entry with the date)
plus its examples passing (tests/validation/test_releases.py validates every example of every
release at that release's date).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "Release",
    "ReleaseState",
    "ReleaseStatus",
    "classify",
    "parse_releases",
    "release_in_force",
    "release_warnings",
]


@dataclass(frozen=True, slots=True)
class Release:
    family: str  # "peppol-bis-billing-3"
    version: str  # "3.0.21"
    applies_from: date | None  # None: from the beginning (the oldest release kept)
    title: str
    rule_sets: dict[str, str]  # rule-set name -> path relative to the artefacts directory
    directory: str | None = None  # a folder only this release uses (its files are optional)
    examples: tuple[str, ...] = ()  # folders whose invoices must validate under this release

    @property
    def id(self) -> str:
        return f"{self.family}@{self.version}"

    def owns(self, local_path: str) -> bool:
        """The file is needed by this release only (its rule sets, or its own folder)."""
        if local_path in self.rule_sets.values():
            return True
        return self.directory is not None and local_path.startswith(self.directory.rstrip("/") + "/")

    def applies_at(self, at: datetime) -> bool:
        return self.applies_from is None or _day(at) >= self.applies_from


def _day(at: datetime) -> date:
    if at.tzinfo is None:
        raise ValueError("a time of receipt must be timezone-aware")
    return at.astimezone(UTC).date()


def parse_releases(raw: Iterable[dict[str, Any]]) -> tuple[Release, ...]:
    releases = []
    for r in raw:
        start = r.get("applies_from")
        releases.append(
            Release(
                family=r["family"],
                version=r["version"],
                applies_from=date.fromisoformat(start) if start else None,
                title=r.get("title", f"{r['family']} {r['version']}"),
                rule_sets=dict(r["rule_sets"]),
                directory=r.get("directory"),
                examples=tuple(r.get("examples", ())),
            )
        )
    # oldest first within a family; a release without a date is the oldest
    return tuple(sorted(releases, key=lambda rel: (rel.family, rel.applies_from or date.min)))


def release_in_force(
    releases: Iterable[Release], family: str, at: datetime, *, installed: set[str] | None = None
) -> Release | None:
    """The release of ``family`` that judges a document received at ``at``.

    The latest release (among ``installed`` release ids, when given) whose date has come; when
    none has come yet (a document dated before the oldest installed release), the oldest installed.
    """
    candidates = [r for r in releases if r.family == family and (installed is None or r.id in installed)]
    if not candidates:
        return None
    in_force = [r for r in candidates if r.applies_at(at)]
    return in_force[-1] if in_force else candidates[0]


class ReleaseStatus(StrEnum):
    active = "active"  # in force now and installed: applied to documents received now
    scheduled = "scheduled"  # its date has not come yet
    superseded = "superseded"  # an installed successor is in force; kept for older receipts
    overdue = "overdue"  # its date has come but it is not installed: its predecessor is applied
    not_installed = "not installed"  # superseded and not installed (nothing depends on it now)


@dataclass(frozen=True, slots=True)
class ReleaseState:
    release: Release
    status: ReleaseStatus
    installed: bool
    problems: tuple[str, ...] = ()  # files missing or corrupt, when not installed


def classify(releases: Iterable[Release], problems: dict[str, tuple[str, ...]], now: datetime) -> list[ReleaseState]:
    """The status of each release at ``now``, given the problems with each one's files (a release
    with none is installed). The engine calls it with what it found at start-up (no hashing)."""
    releases = tuple(releases)
    installed_ids = {r.id for r in releases if not problems.get(r.id)}
    states = []
    for release in releases:
        ok = release.id in installed_ids
        active = release_in_force(releases, release.family, now, installed=installed_ids)
        latest_due = release_in_force(releases, release.family, now)
        if active is not None and release.id == active.id:
            status_ = ReleaseStatus.active
        elif not release.applies_at(now):
            status_ = ReleaseStatus.scheduled
        elif not ok and latest_due is not None and release.id == latest_due.id:
            status_ = ReleaseStatus.overdue
        elif ok:
            status_ = ReleaseStatus.superseded
        else:
            status_ = ReleaseStatus.not_installed
        states.append(ReleaseState(release, status_, ok, tuple(problems.get(release.id, ()))))
    return states


def release_warnings(states: Iterable[ReleaseState]) -> list[str]:
    """What /readyz warns about: releases whose mandatory date has come that this instance does not
    apply, naming the release it applies instead."""
    states = list(states)
    warnings = []
    for st in states:
        if st.status is not ReleaseStatus.overdue:
            continue
        active = next((s for s in states if s.release.family == st.release.family
                       and s.status is ReleaseStatus.active), None)
        applied = active.release.version if active else "no release"
        since = st.release.applies_from.isoformat() if st.release.applies_from else "?"
        warnings.append(
            f"{st.release.family}: release {st.release.version} is mandatory since {since} but not "
            f"installed; documents are still validated with {applied} (run `einvoice artifacts install`)"
        )
    return warnings
