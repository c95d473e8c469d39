"""The store's unit of work, as code above the store names it in signatures.

`Store.session()` opens one; repositories take it as their first argument. Code outside the
store passes it along to repositories and never queries it itself (import-linter holds that:
nothing outside `evalign.store` imports SQLAlchemy).
"""

from sqlalchemy.orm import Session

__all__ = ["Session"]
