"""The desk's refusals in the editor's language.

The record layer raises StatusError with one English line (the command line prints it as it
is). On the desk the same line is flashed, so each known shape is matched here and given
through gettext, with its values kept: an English page shows exactly the line the CLI would,
a Spanish page its translation, and an unknown line stays as it is rather than vanish.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext

_Message = Callable[[dict[str, str]], str]

# (pattern of the English line, its message); a message's msgid is the English line itself.
PROBLEMS: list[tuple[re.Pattern[str], _Message]] = [
    (re.compile(p), m)
    for p, m in [
        (r"^(?P<day>\S+) is in the future: a status cannot be dated ahead$",
         lambda g: gettext("%(day)s is in the future: a status cannot be dated ahead", **g)),
        (r"^(?P<day>\S+) is in the future: evidence cannot be dated ahead$",
         lambda g: gettext("%(day)s is in the future: evidence cannot be dated ahead", **g)),
        (r"^status (?P<status>\S+) needs at least one piece of evidence$",
         lambda g: gettext("status %(status)s needs at least one piece of evidence", **g)),
        (r"^a status change needs a note that explains it$",
         lambda g: gettext("a status change needs a note that explains it")),
        (r"^evidence (?P<id>\d+) does not belong to (?P<commitment>\S+)$",
         lambda g: gettext("evidence %(id)s does not belong to %(commitment)s", **g)),
        (r"^evidence (?P<id>\d+) is not accepted yet: review it first$",
         lambda g: gettext("evidence %(id)s is not accepted yet: review it first", **g)),
        (r"^no commitment with id '(?P<id>[^']*)'$",
         lambda g: gettext("no commitment with id '%(id)s'", **g)),
        (r"^no evidence with id (?P<id>\d+)$",
         lambda g: gettext("no evidence with id %(id)s", **g)),
        (r"^a review needs a note that says why$",
         lambda g: gettext("a review needs a note that says why")),
        (r"^manual evidence needs a note that says what it shows$",
         lambda g: gettext("manual evidence needs a note that says what it shows")),
        (r"^--url '(?P<url>.*)': expected an http\(s\) address$",
         lambda g: gettext("%(url)s: expected an http(s) address", **g)),
        (r"^no pending proposal (?P<id>\d+)$",
         lambda g: gettext("no pending proposal %(id)s", **g)),
        (r"^the two-editor rule: another editor must approve your proposal$",
         lambda g: gettext("the two-editor rule: another editor must approve your proposal")),
        (r"^a retraction needs a correction note that says what was wrong$",
         lambda g: gettext("a retraction needs a correction note that says what was wrong")),
        (r"^no status event (?P<id>\d+)$",
         lambda g: gettext("no status event %(id)s", **g)),
        (r"^status event (?P<id>\d+) is retracted already$",
         lambda g: gettext("status event %(id)s is retracted already", **g)),
        (r"^tick the candidates to reject first$",
         lambda g: gettext("tick the candidates to reject first")),
        (r"^no tip (?P<id>\d+)$", lambda g: gettext("no tip %(id)s", **g)),
        (r"^tip (?P<id>\d+) was accepted already$",
         lambda g: gettext("tip %(id)s was accepted already", **g)),
        (r"^tip (?P<id>\d+) was declined already$",
         lambda g: gettext("tip %(id)s was declined already", **g)),
        (r"^say whether the tip is for the promise, against it, or context$",
         lambda g: gettext("say whether the tip is for the promise, against it, or context")),
        (r"^say whether it is for the promise, against it, or context$",
         lambda g: gettext("say whether it is for the promise, against it, or context")),
        (r"^say why the tip is declined \(the note is in the public audit log\)$",
         lambda g: gettext("say why the tip is declined (the note is in the public audit log)")),
        (r"^the date must be a day \(YYYY-MM-DD\)$",
         lambda g: gettext("the date must be a day (YYYY-MM-DD)")),
        (r"^the uploaded file is empty$", lambda g: gettext("the uploaded file is empty")),
        (r"^the file is larger than (?P<mb>\d+) MB: send a link$",
         lambda g: gettext("the file is larger than %(mb)s MB: send a link", **g)),
        (r"^only a PDF or a Word \(\.docx\) document can be uploaded$",
         lambda g: gettext("only a PDF or a Word (.docx) document can be uploaded")),
    ]
]  # fmt: skip


def problem(exc: Exception) -> str:
    """The refusal `exc` says, in the request's language when its shape is known."""
    text = str(exc)
    for pattern, message in PROBLEMS:
        found = pattern.match(text)
        if found:
            return message(found.groupdict())
    return text
