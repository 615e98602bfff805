"""Datasets: loaders that turn external and generated data into catalogs and gold plans.

Example:
    >>> from tinyagent.data import load_nestools
    >>> callable(load_nestools)
    True
"""
from tinyagent.data.nestools import NesToolsRecord, convert_record, load_nestools, nestools_graph

__all__ = ["NesToolsRecord", "convert_record", "load_nestools", "nestools_graph"]
