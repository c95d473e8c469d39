"""View services: read the store into the records pages and their JSON twins show.

Each function takes a `Store` and returns a pydantic model, so a page and its `/api` twin show
the same data. Functions here that the library grows an equivalent of should move there.
"""
