"""Importers and exporters, one module per format, plus the `Dataset` record.

Every importer streams its file line by line and yields `Row`s (an `Item` and its human labels);
`evalign.data.importer.import_file` writes them to the store in one transaction.
"""

from evalign.data.records import LabelIn, Row

__all__ = ["LabelIn", "Row"]
