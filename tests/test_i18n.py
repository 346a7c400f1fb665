"""Spanish pages build their labels at render time: run messages, bylines, dates of a month,
notes without a translation, council names. Asserted on the pages a reader gets."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine
from bs4 import BeautifulSoup

from tests.test_web_about import scrape_run
from tracker.status import record_event


def page(client, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200
    return BeautifulSoup(response.get_data(as_text=True), "lxml")


def text(node) -> str:
    return " ".join(node.get_text(" ").split())


def test_a_failed_run_is_described_in_spanish_with_its_detail_marked_english(client, db):
    with time_machine.travel(datetime(2026, 11, 4, 12, 5, tzinfo=UTC), tick=False):
        scrape_run(db)
    with time_machine.travel(datetime(2026, 11, 18, 12, 5, tzinfo=UTC), tick=False):
        errors = [("https://bhamal.granicus.com/p1", "HTTP 503 after 3 retries")]
        scrape_run(db, failed="layout changed? no archive table at https://x.test/", errors=errors)
    with time_machine.travel(datetime(2026, 11, 18, 13, tzinfo=UTC), tick=False):
        soup = page(client, "/es/sources")
    health = soup.select_one("#source-granicus dl.source-health")
    values = {text(dt): dd for dt, dd in zip(health.select("dt"), health.select("dd"), strict=True)}
    failure = values["Último fallo"]
    assert "Puede que haya cambiado el formato de la página:" in text(failure)
    assert failure.select_one('[lang="en"]').get_text() == "no archive table at https://x.test/"
    assert "HTTP 503 después de 3 reintentos" in text(failure)
    assert "Exitosa" in text(values["Última descarga exitosa"])  # agrees with "la descarga"
    assert text(values["Última descarga interrumpida"]) == "Ninguna registrada."
    outcomes = [text(td) for td in soup.select("table.runs tbody td[data-label='Resultado']")]
    assert outcomes[-1] == "Exitosa" and outcomes[0].startswith("Fallida")


def test_bylines_and_notes_without_spanish_on_a_spanish_commitment_page(client, db):
    with db.conn:
        record_event(db, "municipal-id", "in-progress", datetime(2026, 5, 4).date(),
                     "Ordinance introduced.", who="editor")  # fmt: skip
    soup = page(client, "/es/commitments/municipal-id")
    history = soup.select_one("ol.timeline")
    assert "Registrado por un editor" in text(history)
    assert "los editores" in text(history)  # the curated history's byline, "editors"
    assert "editors" not in text(history)
    note = soup.find(string="Ordinance introduced.").parent
    assert note["lang"] == "en" and "(en inglés)" in text(note.parent)


def test_a_month_is_written_as_spanish_writes_it(client):
    soup = page(client, "/es/commitments/police-not-immigration-agents")
    dates = [text(t) for t in soup.select("article.evidence time")]
    assert "mayo de 2025" in dates and "mayo 2025" not in dates


def test_publishers_keep_their_english_names_marked_as_english(client):
    soup = page(client, "/es/methodology")
    links = soup.select(".quote figcaption a, #resolution ul.sources a")
    assert links and all(link.get("lang") == "en" for link in links)
    soup = page(client, "/es/commitments/declare-sanctuary")
    links = soup.select("[aria-labelledby=promise-heading] ul.sources > li > a")
    assert links and all(a.get("lang") == "en" for a in links)


def test_every_message_of_the_code_has_a_spanish_translation():
    from pathlib import Path

    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parent.parent
    with (root / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    with (root / "translations/es/LC_MESSAGES/messages.po").open("rb") as po:
        catalog = read_po(po, locale="es")
    keywords = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "lazy_pgettext": ((1, "c"), 2)}
    extracted = list(extract_from_dir(root, method_map, options_map, keywords=keywords))
    assert len(extracted) > 500  # the extraction did read the code
    missing = []
    for filename, lineno, message, _comments, context in extracted:
        msgid = message if isinstance(message, str) else message[0]
        entry = catalog.get(msgid, context=context)
        strings = [] if entry is None else entry.string
        strings = [strings] if isinstance(strings, str) else list(strings)
        if not strings or not all(strings):
            missing.append(f"{filename}:{lineno} {msgid}")
    assert missing == []


def test_evidence_titles_are_built_in_the_pages_language(app):
    from tracker.i18n import evidence_title

    item = {"unit_kind": "item", "item_number": 39, "title": "Regular City Council Meeting"}
    with app.test_request_context("/", environ_overrides={"tracker.lang": "es"}):
        assert evidence_title(item) == "Punto 39, Sesión ordinaria del Concejo Municipal"
        stored = {"title": "Minutes p. 9, Regular City Council Meeting"}  # as the matcher wrote it
        assert evidence_title(stored) == "Acta, página 9, Sesión ordinaria del Concejo Municipal"
        unknown = evidence_title({"title": "Item 2, Budget Hearing"})
        assert unknown == 'Punto 2, <span lang="en">Budget Hearing</span>'
    with app.test_request_context("/"):
        assert evidence_title(item) == "Item 39, Regular City Council Meeting"
