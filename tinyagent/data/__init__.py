"""Datasets: every reader of data into `Record`s (our JSONL splits, upstream TinyAgent JSON, NesTools).

Example:
    >>> from tinyagent.data import load_eval_records, load_splits, load_nestools
    >>> callable(load_eval_records) and callable(load_splits) and callable(load_nestools)
    True
"""
from tinyagent.data.formats import FORMATS, DatasetError, detect_format, load_eval_records
from tinyagent.data.nestools import NesToolsRecord, convert_record, load_nestools, load_nestools_records, nestools_graph
from tinyagent.data.records import Record, read_jsonl, record_catalog, write_jsonl_atomic
from tinyagent.data.splits import SPLITS, load_splits
from tinyagent.data.upstream import load_upstream

__all__ = ["FORMATS", "SPLITS", "DatasetError", "NesToolsRecord", "Record", "convert_record", "detect_format",
           "load_eval_records", "load_nestools", "load_nestools_records", "load_splits", "load_upstream",
           "nestools_graph", "read_jsonl", "record_catalog", "write_jsonl_atomic"]
