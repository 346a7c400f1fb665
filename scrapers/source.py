"""What every source gives the fetch loop: pages to read, and meetings with document links.

A source is a module of `scrapers/` plus an entry in the jurisdiction file. It knows its
platform's URLs and HTML; it parses pure text into the platform-neutral records below and
knows nothing of the database. The loop (`tracker/scrape.py`) fetches every URL through the
one polite client, hands the answers to `parse`, and decides what to store and fetch.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, tzinfo
from typing import Any, Protocol

import scrapers
from tracker.errors import ConfigError


@dataclass(frozen=True, slots=True, kw_only=True)
class DocumentLink:
    """A document of a meeting (or of no meeting: a press release) to fetch and archive."""

    kind: str  # tracker.vocab.DocumentKind
    url: str
    title: str | None = None  # for documents that are not a meeting's agenda or minutes
    date: date | None = None
    expect_pdf: bool = True  # check the %PDF- magic bytes (a viewer URL answers HTML on error)


@dataclass(frozen=True, slots=True, kw_only=True)
class Meeting:
    """One meeting as a source lists it."""

    key: str  # `{date}-{slug(name)}`: the stored id of a meeting first seen with it
    title: str  # as shown, whitespace-normalised
    name: str  # title without status words
    body: str  # the council, or the committee's name
    date: date  # local date
    time: str | None  # local "HH:MM", or None when the source gives only a date
    status: str  # tracker.vocab.MeetingStatus
    # The platform's own ids for this meeting ({"event_id": "…", "clip_id": "…"}): a stored
    # meeting with any one of them is this meeting, whatever its date or title became.
    refs: dict[str, str] = field(default_factory=dict)
    # Ids another source gives this meeting, read from an explicit link to that source's page
    # of it ({"clip_id": "…"} from a link to Granicus): the stored meeting with one is this one.
    same_as: dict[str, str] = field(default_factory=dict)
    documents: tuple[DocumentLink, ...] = ()
    video_url: str | None = None
    duration_minutes: int | None = None
    hidden: bool = False
    hidden_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Follow:
    """Another page of the source to read (a next listing page, a meeting's own page)."""

    url: str
    # The meeting the page is about, when known: a ref the record read from that page carries
    # once the page has nothing more to give (read after the meeting). A past meeting stored
    # with it is not read again, so an unchanged site costs its listing pages only.
    ref: tuple[str, str] | None = None
    date: date | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """A page of the source as fetched: where from, its text and its response headers."""

    url: str
    text: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Listing:
    """What one page yielded. `layout` holds format drift: any entry fails the run."""

    meetings: list[Meeting] = field(default_factory=list)
    documents: list[DocumentLink] = field(default_factory=list)  # belonging to no meeting
    follow: list[Follow] = field(default_factory=list)  # more pages of this source to read
    sections: list[str] = field(default_factory=list)  # parts of the page that were found
    skipped: list[str] = field(default_factory=list)  # rows that could not be read, and why
    layout: list[str] = field(default_factory=list)


class Source(Protocol):
    """A place documents come from. `parse` is pure: no network, never raises on content."""

    id: str
    name: str
    base_url: str

    def hosts(self) -> set[str]:
        """Hosts this source may fetch from (documents may live on a CDN host)."""

    def start(self) -> list[tuple[str, ...]]:
        """The listings to read, each as alternatives tried in order (an API, then HTML)."""

    def parse(self, page: Page) -> Listing:
        """Read one fetched page."""


Factory = Callable[[dict[str, Any], tzinfo], Source]


def kinds() -> dict[str, Factory]:
    """The registry of source kinds: every module of `scrapers/` with a `make_source`.

    A new platform is a new module here plus an entry in the jurisdiction file; nothing else
    names it. Modules are imported only when sources are built, so a parser import stays light.
    """
    found = {}
    for info in pkgutil.iter_modules(scrapers.__path__):
        module = importlib.import_module(f"scrapers.{info.name}")
        if callable(getattr(module, "make_source", None)):
            found[info.name] = module.make_source
    return found


def build(kind: str, config: dict[str, Any], tz: tzinfo) -> Source:
    """The source a jurisdiction file's entry describes (`config` holds id, name, base_url
    and the kind's own fields)."""
    registry = kinds()
    if kind not in registry:
        raise ConfigError(f"source kind {kind!r} unknown (known: {', '.join(sorted(registry))})")
    return registry[kind](config, tz)
