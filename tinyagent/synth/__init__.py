"""Data synthesis: user requests with gold plans for the 16 assistant tools.

Modules: offline (seeded scenario generator, the default), scenarios + families_* (one builder per
family of request; families_compose wires one app's output into another's input and joins several
requests), phrasing (register, case, typos, word order: how people type), dates (spoken dates such
as "tmrw 3" with their absolute meaning), vocab (slot fillers), world (people, files and notes the
requests may mention, read from or seeded into the sandbox), llm + llm_prompt + store (resumable
LLM generator for any OpenAI-compatible endpoint), splits (disjoint train/val/test files),
report (validation, diversity, histograms), execcheck (run gold plans on the sandbox), pipeline
(all of it, as notebook 01 uses it).

Usage:
    >>> from tinyagent.synth.offline import generate_offline
    >>> generate_offline(1, seed=0)[0].shape in ("single", "chain", "fan_in", "fan_out", "parallel", "mixed")
    True
"""
