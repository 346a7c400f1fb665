"""The jurisdiction file: the council's own facts (names, time zone, place, sources, catalogue).

Everything that makes this tracker Birmingham's rather than another council's lives in
`data/jurisdiction.yaml` (or the file TRACKER_JURISDICTION names): code reads it from here.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ConfigDict, Field, HttpUrl, ValidationError, field_validator

from .catalog import NonEmpty, Strict, Text, describe, read_yaml
from .errors import CatalogError
from .vocab import DocumentKind


class SourceConfig(Strict):
    """One place documents come from; fields other than these are the source kind's own."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    kind: NonEmpty
    name: NonEmpty
    base_url: HttpUrl
    documents: list[DocumentKind] = [DocumentKind.AGENDA, DocumentKind.MINUTES]

    @property
    def options(self) -> dict[str, Any]:
        """The kind's own settings (a Granicus view id, say)."""
        return dict(self.model_extra or {})

    @property
    def url(self) -> str:
        return str(self.base_url).rstrip("/")


class Jurisdiction(Strict):
    site_name: Text
    headline: Text
    lede: Text
    about: Text
    body: Text
    timezone: NonEmpty
    meeting_place: Text
    how_to_speak: Text
    background_template: str | None = None
    catalogue: Path
    curated: Path
    sources: list[SourceConfig] = Field(min_length=1)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a time zone name") from None
        return value

    @field_validator("sources")
    @classmethod
    def _unique_ids(cls, value: list[SourceConfig]) -> list[SourceConfig]:
        ids = [s.id for s in value]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"two sources share the id {', '.join(dupes)}")
        return value

    def source(self, source_id: str) -> SourceConfig | None:
        return next((s for s in self.sources if s.id == source_id), None)


@cache
def load_jurisdiction(path: Path) -> Jurisdiction:
    """Read and validate a jurisdiction file; its catalogue paths become absolute."""
    raw = read_yaml(path)
    try:
        place = Jurisdiction.model_validate(raw)
    except ValidationError as exc:
        raise describe(path, raw, exc, "sources") from None
    folder = path.resolve().parent
    place = place.model_copy(
        update={"catalogue": folder / place.catalogue, "curated": folder / place.curated}
    )
    for name in ("catalogue", "curated"):
        if not getattr(place, name).is_file():
            raise CatalogError(f"{path}: field {name}: {getattr(place, name)} not found")
    return place
