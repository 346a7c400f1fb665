"""A Birmingham-style meeting for evidence tests: its agenda and minutes in the clerk's layout.

The agenda is in the council's layout (tests/granicus_site.agenda_lines). The minutes follow
SOURCES.md §5 and the real minutes of 2026-05-19 (tests/fixtures/text): a consent block printing
each resolution's number and "(Item N)", items read one by one under "ITEM N.", an ordinance
named "(Item No. 8)" in the clerk's sentence, a withdrawal, a resolution introduced at the
meeting (on no agenda), running headers ("Minutes – December 7, 2021 2") at each page's foot.

The items are the hard cases the issue on evidence names (a refusal of 287(g), citizenship in the
non-discrimination ordinance, a municipal ID, the Railroad Park ICE skating rink, an ice rink
company, an unlawful detainer against a kiosk tenant) among routine business. `RELEVANT` says,
per item, which commitments an editor would accept a candidate for.
"""

from __future__ import annotations

from datetime import date

from tests.granicus_site import LINES_PER_PAGE, agenda_lines, pdf_of

DAY = date(2021, 12, 7)

ITEMS: list[tuple[str, str]] = [
    (
        "CONSENT",
        "A Resolution determining that the grass and weeds growing upon 1216 Tenth Avenue West "
        "are a public nuisance. (Submitted by the Mayor) **",
    ),
    (
        "CONSENT",
        "A Resolution authorizing the Mayor to execute an agreement with Vulcan Paving Co. for "
        "street resurfacing in Council District 5, in an amount not to exceed $412,000.00. "
        "(Submitted by the Mayor) (Recommended by the Budget and Finance Committee) **",
    ),
    (
        "CONSENT",
        "A Resolution authorizing the temporary closure of 1st Avenue North between 14th and "
        "15th Streets on December 10, 2021 for the opening of the Railroad Park ICE skating rink. "
        "(Submitted by Councilor O'Quinn) **",
    ),
    (
        "CONSENT",
        "A Resolution authorizing payment to Magic City Ice Rinks, LLC for ice resurfacing "
        "services at the Birmingham CrossPlex, in an amount not to exceed $12,000.00. "
        "(Submitted by the Mayor) **",
    ),
    (
        "CONSENT",
        "A Resolution authorizing the Mayor to execute an agreement with Alabama Language "
        "Services, LLC to provide Spanish interpretation and translation services for City "
        "Council meetings and public notices, in an amount not to exceed $48,000.00. "
        "(Submitted by Councilor Tate) **",
    ),
    (
        "",
        "A Resolution of the Council of the City of Birmingham reaffirming its commitment to "
        "being a welcoming city and declaring that the Birmingham Police Department shall not "
        "enter into any agreement under Section 287(g) of the Immigration and Nationality Act "
        "with U.S. Immigration and Customs Enforcement. (Submitted by Councilor Williams) **",
    ),
    (
        "",
        "An Ordinance amending Chapter 16 of the General Code of the City of Birmingham, the "
        "Non-Discrimination Ordinance, to add citizenship status and immigration status to the "
        "protected classes. (Submitted by Councilor Moore) **",
    ),
    (
        "",
        "An Ordinance to establish a Birmingham Municipal Identification Card program available "
        "to all residents of the City regardless of immigration status. (Submitted by the "
        "Mayor) **",
    ),
    (
        "",
        "A Resolution authorizing the City Attorney to file an unlawful detainer action against "
        "Southside Snacks, LLC, the tenant of the kiosk at Linn Park, for non-payment of rent. "
        "(Submitted by the City Attorney) **",
    ),
    (
        "",
        "A Resolution authorizing the Mayor to execute an Agreement with the Legal Aid Society "
        "of Birmingham to provide legal representation to immigrant residents facing removal "
        "proceedings, in an amount not to exceed $50,000.00. (Submitted by the Mayor) **",
    ),
    (
        "P(ph)",
        "An Ordinance amending the General Code to regulate mobile food vendors. (Submitted by "
        "the Mayor) **",
    ),
    (
        "",
        "A Resolution approving the placement of street banners on Sixth Avenue South for the "
        "Sanctuary Baptist Church fall revival. (Submitted by Councilor Abbott) **",
    ),
    (
        "",
        "A Resolution recognizing December 18, 2021 as International Migrants Day in the City "
        "of Birmingham. (Submitted by Councilor Moore) **",
    ),
]

# Per agenda item number: the commitments a candidate may rightly name (an editor would accept
# it, as support or context). Items not listed are routine business or decoys: no candidate.
RELEVANT: dict[int, set[str]] = {
    5: {"language-access"},
    6: {
        "police-not-immigration-agents",
        "no-city-resources-for-ice",
        "welcoming-integration",
        "declare-sanctuary",  # it reaffirms the welcoming-city resolution of 2017
    },
    7: {"equal-protection"},
    8: {"municipal-id", "services-regardless-of-status"},
    10: {"legal-defense"},
}
UNRELATED = {1, 2, 3, 4, 9, 11, 12}  # routine, and the decoys (rink, ice company, kiosk, church)
UNASSIGNED = {13}  # speaks of migrants; no promise's rules claim it
# The resolution introduced at the meeting, on no agenda: its own minutes record.
INTRODUCED = {"welcoming-integration"}

_AYES = [
    "Ayes: Abbott, Alexander, Clarke, Moore, O'Quinn, Smitherman, Tate,",
    "Williams, Woods",
    "Nays: None",
]


def _adopted(kind: str = "resolution", who: str = "Tate") -> list[str]:
    return [
        f"The {kind} was read by the City Clerk, whereupon Councilor {who} moved its adoption",
        "which motion was seconded by Councilor Woods, and upon the roll being called, the vote",
        "was as follows:",
        *_AYES,
        "",
    ]


def minutes_text_lines() -> list[str]:
    """The minutes as lines, before pagination."""
    consent = [
        ("1801-21", 1, "the grass and weeds growing upon 1216 Tenth Avenue West constitute a"),
        ("", 0, "public nuisance, and that they be abated."),
        ("1802-21", 2, "the Mayor be and hereby is authorized to execute an agreement with"),
        ("", 0, "Vulcan Paving Co. for street resurfacing in Council District 5, in an amount"),
        ("", 0, "not-to-exceed $412,000.00."),
        ("1803-21", 3, "1st Avenue North between 14th and 15th Streets be closed on December 10,"),
        ("", 0, "2021 for the opening of the Railroad Park ICE skating rink."),
        ("1804-21", 4, "payment to Magic City Ice Rinks, LLC for ice resurfacing services at the"),
        ("", 0, "Birmingham CrossPlex, in an amount not-to-exceed $12,000.00, be approved."),
        ("1805-21", 5, "the Mayor be and hereby is authorized to execute an agreement with"),
        ("", 0, "Alabama Language Services, LLC to provide Spanish interpretation and translation"),
        ("", 0, "services for City Council meetings and public notices, in an amount"),
        ("", 0, "not-to-exceed $48,000.00."),
    ]
    lines = [
        "MINUTES OF THE REGULAR MEETING OF THE COUNCIL OF THE CITY OF BIRMINGHAM",
        f"{DAY:%B} {DAY.day}, {DAY.year}",
        "",
        "Present on Roll Call: Council President Abbott",
        "Councilors Alexander, Clarke, Moore, O'Quinn, Smitherman, Tate, Williams, Woods",
        "Absent: None",
        "",
        "The minutes of November 30, 2021 were approved as submitted.",
        "",
        "The following resolutions designated as Consent Agenda items were introduced by the",
        "Presiding Officer:",
        "",
    ]
    for number, item, words in consent:
        if number:
            lines += ["", f"RESOLUTION NO. {number}", f"(Item {item})", ""]
            lines.append(f"BE IT RESOLVED by the Council of the City of Birmingham that {words}")
        else:
            lines.append(words)
    lines += [
        "",
        "The resolutions introduced as consent agenda matters were read by the City Clerk,",
        "whereupon Councilor Tate moved their adoption which motion was seconded by Councilor",
        "Woods, and upon the roll being called, the vote was as follows:",
        *_AYES,
        "",
        "ITEM 6.",
        "RESOLUTION NO. 1806-21",
        "",
        "WHEREAS, on January 31, 2017 the Council declared Birmingham a welcoming city, free of",
        "hostility, prejudice, bigotry and hate; now, therefore,",
        "BE IT RESOLVED by the Council of the City of Birmingham that the Birmingham Police",
        "Department shall not enter into any agreement under Section 287(g) of the Immigration",
        "and Nationality Act with U.S. Immigration and Customs Enforcement.",
        "",
        "The resolution was read by the City Clerk, whereupon Councilor Williams moved its",
        "adoption which motion was seconded by Councilor Moore, and upon the roll being called,",
        "the vote was as follows:",
        "Ayes: Abbott, Alexander, Clarke, Moore, Smitherman, Tate, Williams, Woods",
        "Nays: O'Quinn",
        "",
        "ITEM 7.",
        "ORDINANCE NO. 21-118",
        "",
        "BE IT ORDAINED by the Council of the City of Birmingham that Chapter 16 of the General",
        "Code, the Non-Discrimination Ordinance, be amended to add citizenship status and",
        "immigration status to the protected classes.",
        "",
        *_adopted("ordinance", "Moore"),
        "The following ordinance was introduced by the Presiding Officer:",
        "",
        "BE IT ORDAINED by the Council of the City of Birmingham that a Municipal",
        "Identification Card program be established, available to all residents of the City",
        "regardless of immigration status.",
        "",
        "The ordinance (Item No. 8) was read by the City Clerk, whereupon Councilor Moore moved",
        "that the ordinance be deferred for two weeks which motion was seconded by Councilor",
        "Tate and carried.",
        "",
        "Item No. 9 was withdrawn at the request of the City Attorney.",
        "",
        "ITEM 10.",
        "RESOLUTION NO. 1808-21",
        "",
        "BE IT RESOLVED by the Council of the City of Birmingham that the Mayor be and hereby is",
        "authorized to execute an Agreement with the Legal Aid Society of Birmingham to provide",
        "legal representation to immigrant residents facing removal proceedings, in an amount",
        "not-to-exceed $50,000.00.",
        "",
        *_adopted(),
        "ITEM 11.",
        "",
        "The Presiding Officer opened the public hearing on the ordinance regulating mobile food",
        "vendors. Three persons spoke.",
        "",
        "The ordinance was read by the City Clerk, whereupon Councilor Woods moved that the",
        "ordinance be tabled which motion was seconded by Councilor Clarke and carried.",
        "",
        "ITEM 12.",
        "RESOLUTION NO. 1810-21",
        "",
        "BE IT RESOLVED by the Council of the City of Birmingham that street banners be placed on",
        "Sixth Avenue South for the Sanctuary Baptist Church fall revival.",
        "",
        *_adopted(),
        "ITEM 13.",
        "RESOLUTION NO. 1811-21",
        "",
        "BE IT RESOLVED by the Council of the City of Birmingham that December 18, 2021 be",
        "recognized as International Migrants Day in the City of Birmingham.",
        "",
        *_adopted(),
        "The following resolution, which was not on the agenda, was introduced by the Presiding",
        "Officer:",
        "",
        "RESOLUTION NO. 1812-21",
        "",
        "BE IT RESOLVED by the Council of the City of Birmingham that the Council welcomes the",
        "resettlement of refugees from Afghanistan in Birmingham and asks the Mayor to",
        "coordinate City services with the resettlement agencies.",
        "",
        *_adopted("resolution", "Clarke"),
        "There being no further business to come before the Council, the meeting was adjourned",
        "at 11:42 a.m.",
    ]
    return lines


def minutes_pages(per_page: int = LINES_PER_PAGE - 8) -> list[list[str]]:
    """The minutes cut into pages, each with the clerk's running line at its foot."""
    lines = minutes_text_lines()
    pages = [lines[i : i + per_page] for i in range(0, len(lines), per_page)]
    stamp = f"{DAY:%B} {DAY.day}, {DAY.year}"
    return [[*page, f"Minutes \u2013 {stamp} {n}"] for n, page in enumerate(pages, start=1)]


def agenda_pdf(items: list[tuple[str, str]] = ITEMS, day: date = DAY) -> bytes:
    return pdf_of(agenda_lines(day, items))


def minutes_pdf() -> bytes:
    return pdf_of(minutes_pages())
