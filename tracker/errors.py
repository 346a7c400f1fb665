"""Named exceptions of the tracker, in one place so callers can catch them by meaning."""


class TrackerError(Exception):
    """Base class: an error a person can act on; its message is one line."""


class ConfigError(TrackerError):
    """A bad TRACKER_* setting."""


class CatalogError(TrackerError):
    """A YAML data file (commitments, curated events) that does not validate."""


class SchemaError(TrackerError):
    """A database this version of the tracker cannot use."""


class StatusError(TrackerError):
    """A status change that breaks the rules of the status scale."""


class FetchError(TrackerError):
    """A request that failed after retries, or whose answer was refused."""

    def __init__(self, url: str, reason: str):
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class ScrapeLocked(TrackerError):
    """Another scrape is running."""


class SearchTimeout(TrackerError):
    """A search that ran past its time limit and was stopped."""


class InputError(TrackerError):
    """A line of input (for example a match-text JSON line) that cannot be read."""


class DeskError(TrackerError):
    """A refused account operation: unknown user, weak password, disabled account."""


class TipError(TrackerError):
    """A reader's tip that cannot be kept: incomplete, a refused upload, or too many at once."""


class AlertError(TrackerError):
    """A refused alert subscription: an address that cannot be one, an unknown language."""


class Throttled(AlertError):
    """Too many subscriptions asked for lately from one address or for one mailbox."""
