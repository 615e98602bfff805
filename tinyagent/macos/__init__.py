"""The macOS tool backend: the assistant's tools driven through osascript, `open` and Spotlight.

Example:
    >>> from tinyagent.macos import MacOSBackend
    >>> MacOSBackend(documents="/tmp").name
    'macos'
"""
from tinyagent.macos.applescript import Script, applescript_quote
from tinyagent.macos.backend import MacOSBackend

__all__ = ["MacOSBackend", "Script", "applescript_quote"]
