"""The server's background worker: the library's (`evalign.workflows.worker`)."""

from evalign.workflows.worker import Worker

__all__ = ["Worker"]
