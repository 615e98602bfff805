"""Former home of the evaluation readers, kept so `tinyagent.evaluate.datasets` names still import.

The readers live in `tinyagent.data.formats` (format registry), the JSON-schema converter in
`tinyagent.tools.schema`, the reference date in `Record.now()`. New code imports from there.

Example:
    >>> from tinyagent.data.records import Record
    >>> reference_time is Record.now
    True
"""
from __future__ import annotations

from tinyagent.data.formats import FORMATS, DatasetError, detect_format, load_eval_records
from tinyagent.data.records import Record, record_catalog
from tinyagent.tools.schema import EXTERNAL_APP, catalog_from_json_schemas

reference_time = Record.now  # the "current date" the record's gold plan was written for

__all__ = ["EXTERNAL_APP", "FORMATS", "DatasetError", "catalog_from_json_schemas", "detect_format", "load_eval_records",
           "record_catalog", "reference_time"]
