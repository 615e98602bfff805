"""The live demo: an ipywidgets app over the agent (notebooks/06_live_demo.ipynb), and its export.

Usage (in a notebook): `from tinyagent.demo import DemoApp; app = DemoApp(); app` then type and Run.
Export: `python -m tinyagent.demo.export --screenshot` (see tinyagent/demo/export.py).
"""
from tinyagent.demo.app import DemoApp
from tinyagent.demo.approval import ApprovalGate

__all__ = ["ApprovalGate", "DemoApp"]
