"""Errors a name-list import reports to its user (in Chinese). FileRejected, for a file that cannot be used at all,
lives with the reader."""


class ImportRefused(Exception):
    """A request the service will not carry out (wrong role/street, batch in the wrong state, a race), in Chinese."""
