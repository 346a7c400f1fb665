"""The desk's refusals in the editor's language.

The record layer raises StatusError with one English line (the command line prints it as it
is). On the desk the same line is flashed, so each known line is matched here and given
through gettext, with its values kept: an English page shows exactly the line the CLI would,
a Spanish page its translation, and an unknown line stays as it is rather than vanish. Each
line is written once, as its msgid; the pattern that recognises it is made from it.
"""

from __future__ import annotations

import re

from flask_babel import gettext


def N_(msgid: str) -> str:
    """Marks a msgid for extraction (pybabel knows N_); it is translated when it is shown."""
    return msgid


# Each refusal the record layer raises, as its English line with %(name)s where a value goes.
KNOWN = [
    N_("%(day)s is in the future: a status cannot be dated ahead"),
    N_("%(day)s is in the future: evidence cannot be dated ahead"),
    N_("status %(status)s needs at least one piece of evidence"),
    N_("a status change needs a note that explains it"),
    N_("evidence %(id)s does not belong to %(commitment)s"),
    N_("evidence %(id)s is not accepted yet: review it first"),
    N_("no commitment with id '%(id)s'"),
    N_("no evidence with id %(id)s"),
    N_("a review needs a note that says why"),
    N_("manual evidence needs a note that says what it shows"),
    N_("no pending proposal %(id)s"),
    N_("the two-editor rule: another editor must approve your proposal"),
    N_("a retraction needs a correction note that says what was wrong"),
    N_("no status event %(id)s"),
    N_("status event %(id)s is retracted already"),
    N_("tick the candidates to reject first"),
    N_("no tip %(id)s"),
    N_("tip %(id)s was accepted already"),
    N_("tip %(id)s was declined already"),
    N_("say whether the tip is for the promise, against it, or context"),
    N_("say whether it is for the promise, against it, or context"),
    N_("say why the tip is declined (the note is in the public audit log)"),
    N_("the date must be a day (YYYY-MM-DD)"),
    N_("the uploaded file is empty"),
    N_("the file is larger than %(mb)s MB: send a link"),
    N_("only a PDF or a Word (.docx) document can be uploaded"),
]
# The CLI's line names its option; the desk's form has no options.
RENAMED = {
    r"--url '%(url)s': expected an http\(s\) address": N_("%(url)s: expected an http(s) address")
}


def _pattern(line: str, *, escaped: bool = False) -> re.Pattern[str]:
    """The regex that matches `line` whole, each %(name)s a named group."""
    parts = re.split(r"%\((\w+)\)s", line)
    return re.compile(
        "^"
        + "".join(
            f"(?P<{part}>.*?)" if odd else (part if escaped else re.escape(part))
            for odd, part in ((i % 2 == 1, part) for i, part in enumerate(parts))
        )
        + "$"
    )


PROBLEMS: list[tuple[re.Pattern[str], str]] = [(_pattern(m), m) for m in KNOWN] + [
    (_pattern(line, escaped=True), msgid) for line, msgid in RENAMED.items()
]


def problem(exc: Exception) -> str:
    """The refusal `exc` says, in the request's language when its line is known."""
    text = str(exc)
    for pattern, msgid in PROBLEMS:
        found = pattern.match(text)
        if found:
            return gettext(msgid, **found.groupdict())
    return text
