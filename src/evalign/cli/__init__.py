"""The `evalign` command line: a thin shell that parses, calls one library function, renders."""

from evalign.cli.app import app, main

__all__ = ["app", "main"]
