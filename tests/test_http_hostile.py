"""The allow-list on every hop (issue 15, item 1): a redirect chain that starts on the allowed
host and turns odd at its second or third hop never reaches the other host."""

from __future__ import annotations

import pytest

from tests import test_http as client_tests
from tracker.errors import FetchError

# The client tests' servers and client factory (one copy per test).
server, make_client, redirector, _other_server, other_server = (
    client_tests.server,
    client_tests.make_client,
    client_tests.redirector,
    client_tests._other_server,
    client_tests.other_server,
)


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1:{other}\\@{allowed}/doc.pdf",
        "http://{allowed}@127.0.0.1:{other}/doc.pdf",
        "//127.0.0.1:{other}/doc.pdf",
        "http://127.0.0.1:{other}/doc.pdf",
    ],
)
@pytest.mark.parametrize("hops", [1, 2])
def test_a_later_hop_is_checked_like_the_first(
    redirector, other_server, make_client, location, hops
):
    names = {"allowed": redirector.host, "other": other_server.port}
    path = "/start"
    for n in range(hops):  # good hops on the allowed host first
        redirector.redirect(path, f"/hop{n}")
        path = f"/hop{n}"
    redirector.redirect(path, location.format(**names))
    client = make_client(respect_robots=True, allowed_hosts={redirector.host})
    with pytest.raises(FetchError, match="refused"):
        client.get(redirector.url("/start"))
    assert other_server.log == [], "the other host was reached"
    assert redirector.paths == ["/robots.txt", "/start", *(f"/hop{n}" for n in range(hops))]
