"""TinyAgent: small-model function calling with LLMCompiler-style plans, reproducible end to end."""
__version__ = "0.1.0"
