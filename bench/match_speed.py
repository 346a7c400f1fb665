"""Benchmark: agenda items per second of tracker.matching over all fifteen commitments.

Generates agenda-like items (SOURCES.md §4: mostly routine consent items, about 1% that bear on
a commitment, a few decoys), compiles the catalogue's rules once, then times a full pass of
Matcher.match, best of --repeat runs. Target (issue 10): a full re-match of 100,000 items
under 5 s on one core (the machine's load average is printed: timings on a shared box vary).
Usage: python bench/match_speed.py [--items 100000] [--repeat 3] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.places import COMMITMENTS_FILE  # noqa: E402
from tracker.catalog import load_commitments  # noqa: E402
from tracker.matching import Matcher  # noqa: E402

TARGET_SECONDS = 5.0
RELEVANT_SHARE = 0.01
DECOY_SHARE = 0.02

COUNCILLORS = ["Abbott", "Alexander", "Clarke", "Moore", "O'Quinn", "Smitherman", "Tate", "Woods"]
COMMITTEES = ["Budget and Finance", "Public Safety", "Public Improvements", "Economic Development"]
STREETS = ["Princeton Avenue SW", "Avenue V Ensley", "3rd Avenue North", "Pike Road", "Cotton Ave"]
VENDORS = ["Alabama Power Company", "Motorola Solutions, Inc.", "Brasfield & Gorrie, LLC"]

ROUTINE = [
    "A Resolution determining that the grass and weeds growing upon the parcel at {n} {street}, "
    "Parcel ID 22-00-{a}-{b}-009-{c}.000, constitute a public nuisance, and ordering their "
    "abatement.",
    "A Resolution determining that the structure located at {n} {street} is unsafe and a public "
    "nuisance, and ordering its demolition.",
    "A Resolution authorizing the Mayor to execute an Agreement with {vendor} for {service} in an "
    "amount not to exceed ${money}. [Funding Source: General Fund]",
    "A Resolution authorizing the Director of Finance to transfer ${money} among accounts of the "
    "Police Department for overtime and equipment.",
    "An Ordinance \u201cTO AMEND THE ZONING DISTRICT MAP OF THE CITY OF BIRMINGHAM\u201d to change "
    "zone district boundaries from R-2, Single Family District to B-2, General Business District, "
    "for the property located at {n} {street}.",
    "A Resolution approving the appointment of {name} to the Birmingham Park and Recreation Board "
    "for a term ending {year}.",
    "A Resolution authorizing the Mayor to apply for and accept a grant from the U.S. Department "
    "of Justice, Office of Community Oriented Policing Services, in the amount of ${money}.",
    "A Resolution setting a public hearing on the application of {vendor} for a 020 - Restaurant "
    "Retail Liquor license to be used at {n} {street}.",
    "A Resolution authorizing the Mayor to execute a Notice of Award to {vendor} for the paving of "
    "{street}, and the withdrawal of bid No. {c}.",
]
SERVICES = ["street lighting", "radio maintenance", "the renovation of Fire Station No. 12"]

DECOYS = [
    "A Resolution authorizing the purchase of two ice machines for Fire Station No. {c}.",
    "A Resolution approving the temporary closure of {street} for the New Sanctuary Baptist Church "
    "homecoming.",
    "A Resolution awarding a contract for the construction of a stormwater detention pond at "
    "{street}.",
    "A Resolution authorizing the Mayor to execute an agreement for the operation of the ice rink "
    "at Railroad Park.",
]

RELEVANT = [
    "A Resolution authorizing the Mayor to execute a Memorandum of Understanding between the City "
    "of Birmingham Police Department and Homeland Security Investigations (HSI) for the "
    "cross-designation of officers as Customs officers.",
    "A Resolution authorizing the Mayor to pay the annual membership dues to Welcoming America.",
    "A Resolution authorizing the Mayor to execute an agreement with {vendor} for interpretation "
    "services for limited English proficient residents.",
    "A Resolution of the Council of the City of Birmingham in support of Deferred Action for "
    "Childhood Arrivals (DACA) recipients and urging Congress to act.",
]


def make_items(count: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    items = []
    for _ in range(count):
        roll = rnd.random()
        pool = (
            RELEVANT
            if roll < RELEVANT_SHARE
            else DECOYS
            if roll < RELEVANT_SHARE + DECOY_SHARE
            else ROUTINE
        )
        text = rnd.choice(pool).format(
            n=rnd.randint(100, 9999),
            street=rnd.choice(STREETS),
            a=rnd.randint(10, 40),
            b=rnd.randint(1, 9),
            c=rnd.randint(100, 999),
            vendor=rnd.choice(VENDORS),
            service=rnd.choice(SERVICES),
            money=f"{rnd.randint(1000, 900000):,}.00",
            name=f"Ms. {rnd.choice(COUNCILLORS)}",
            year=rnd.randint(2018, 2030),
        )
        councillor = rnd.choice(COUNCILLORS)
        committee = rnd.choice(COMMITTEES)
        items.append(
            f"{text} (Submitted by Councilor {councillor}, Chair, {committee} Committee) "
            f"(Recommended by the {committee} Committee)**"
        )
    return items


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    items = make_items(args.items, args.seed)
    mean_chars = sum(map(len, items)) / len(items)
    started = time.perf_counter()
    matcher = Matcher.from_commitments(load_commitments(COMMITMENTS_FILE))
    compile_s = time.perf_counter() - started

    best = float("inf")
    for _ in range(args.repeat):
        started = time.perf_counter()
        proposed = sum(1 for text in items if matcher.match(text))
        best = min(best, time.perf_counter() - started)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"items: {len(items):,} (mean {mean_chars:.0f} chars); compile: {compile_s:.2f} s")
    print(f"load average (1 min) before timing: {load:.2f} on {os.cpu_count()} cores")
    print(f"matched items: {proposed:,}")
    print(f"full pass: {best:.2f} s (best of {args.repeat}), {len(items) / best:,.0f} items/s")
    ok = best * 100_000 / len(items) < TARGET_SECONDS
    print(f"target: 100,000 items < {TARGET_SECONDS:.0f} s: {'ok' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
