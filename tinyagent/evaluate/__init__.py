"""Evaluation: load any dataset, plan each record, score with the DAG metric, summarise, resume.

Example:
    >>> from tinyagent.evaluate import summarise
    >>> summarise([])["n"]
    0
"""
from tinyagent.evaluate.datasets import (DatasetError, catalog_from_json_schemas, load_eval_records, record_catalog,
                                         reference_time)
from tinyagent.evaluate.harness import ConfigMismatch, predict, read_predictions, run_eval
from tinyagent.evaluate.summary import format_summary, summarise

__all__ = ["ConfigMismatch", "DatasetError", "catalog_from_json_schemas", "format_summary", "load_eval_records",
           "predict", "read_predictions", "record_catalog", "reference_time", "run_eval", "summarise"]
