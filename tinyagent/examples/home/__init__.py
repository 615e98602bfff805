"""Home-automation simulator: the worked example catalog (`tools.py`) and its seed examples (`seeds.jsonl`)."""
from pathlib import Path

SEEDS = Path(__file__).with_name("seeds.jsonl")  # request + single-call plan, a few per tool
