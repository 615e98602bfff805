"""A home-automation simulator: 9 deterministic tools over a house kept in `home.json` in the state folder.

The worked example of "Bring your own tools" (README): plain functions with type hints and
docstrings, registered in `tools` (a `ToolRegistry`), side effects marked. State lives in the folder
`PythonToolBackend(..., workdir=...)` makes current (`tinyagent.tools.workdir`); a folder without it
holds the default house (`DEFAULT_HOME`). Nothing is random and nothing leaves the folder.

Example:
    >>> import tempfile
    >>> from tinyagent.tools.workdir import use_workdir
    >>> with use_workdir(tempfile.mkdtemp()):
    ...     find_device("the lamp in the bedroom"), get_temperature("living room")
    ('bedroom lamp', 21.5)
"""
from __future__ import annotations

import copy
import difflib
import json
import threading
from typing import Any, Literal

from tinyagent.atomic import write_json_atomic
from tinyagent.tools.backend import ToolError
from tinyagent.tools.cancel import commit
from tinyagent.tools.functions import ToolRegistry
from tinyagent.tools.workdir import workdir

tools = ToolRegistry(default_app="devices")

STATE_FILE = "home.json"
DEFAULT_HOME: dict[str, Any] = {
    "devices": {
        "kitchen light": {"kind": "light", "room": "kitchen", "on": False, "brightness": 100},
        "living room light": {"kind": "light", "room": "living room", "on": True, "brightness": 80},
        "bedroom lamp": {"kind": "light", "room": "bedroom", "on": False, "brightness": 40},
        "porch light": {"kind": "light", "room": "porch", "on": False, "brightness": 100},
        "front door": {"kind": "lock", "room": "hall", "locked": True},
        "back door": {"kind": "lock", "room": "kitchen", "locked": False},
        "garage door": {"kind": "lock", "room": "garage", "locked": True},
        "living room thermostat": {"kind": "thermostat", "room": "living room", "target": 21.0, "mode": "auto"},
        "bedroom thermostat": {"kind": "thermostat", "room": "bedroom", "target": 19.0, "mode": "auto"},
    },
    "temperatures": {"kitchen": 22.0, "living room": 21.5, "bedroom": 19.5, "hall": 20.0, "garage": 14.0,
                     "porch": 12.5, "office": 20.5},
    "scenes": [],
    "notifications": [],
}
_LOCK = threading.Lock()  # tasks of one plan run in parallel threads: one read-modify-write at a time


def _load() -> dict[str, Any]:
    path = workdir() / STATE_FILE
    if not path.exists():
        return copy.deepcopy(DEFAULT_HOME)
    return json.loads(path.read_text(encoding="utf-8"))


def _save(state: dict[str, Any], what: str) -> None:
    with commit(what):  # refuses once the executor gave up on this call (timeout)
        write_json_atomic(workdir() / STATE_FILE, state)


def _device(state: dict[str, Any], name: str, kind: str | None = None) -> dict[str, Any]:
    key = name.strip().lower()
    devices = state["devices"]
    if key not in devices:
        close = difflib.get_close_matches(key, devices, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; devices: {', '.join(devices)}"
        raise ToolError(f"no device {name!r}{hint}")
    if kind and devices[key]["kind"] != kind:
        raise ToolError(f"{key!r} is a {devices[key]['kind']}, not a {kind}")
    return devices[key]


@tools.tool
def list_devices(room: str = "") -> list[str]:
    """List the names of the smart devices in the house, or in one room.

    Args:
        room: Room to list, e.g. 'kitchen'; empty for the whole house.
    """
    devices = _load()["devices"]
    wanted = room.strip().lower()
    return [name for name, d in devices.items() if not wanted or d["room"] == wanted]


@tools.tool
def find_device(description: str) -> str:
    """Find the device a description refers to and return its exact name.

    Args:
        description: How the user named it, e.g. 'the lamp in the bedroom'.
    """
    words = set(description.lower().replace("'s", "").split())
    scored = [(len(words & set(f"{name} {d['room']} {d['kind']}".split())), name)
              for name, d in _load()["devices"].items()]
    best, name = max(scored, key=lambda s: s[0])
    if best == 0:
        raise ToolError(f"no device matches {description!r}")
    return name


@tools.tool
def get_device_state(device: str) -> str:
    """Describe the current state of a device (on/off, locked, target temperature).

    Args:
        device: Exact device name, e.g. 'front door'.
    """
    d = _device(_load(), device)
    if d["kind"] == "light":
        return f"{device} is {'on' if d['on'] else 'off'} at {d['brightness']}% brightness"
    if d["kind"] == "lock":
        return f"{device} is {'locked' if d['locked'] else 'unlocked'}"
    return f"{device} is set to {d['target']:g} degrees ({d['mode']})"


@tools.tool(app="lights", side_effect=True)
def set_light(device: str, on: bool, brightness: int = 100) -> str:
    """Switch a light on or off and set its brightness.

    Args:
        device: Exact name of the light, e.g. 'kitchen light'.
        on: True to switch it on, False to switch it off.
        brightness: Brightness in percent, 1 to 100.
    """
    if not 1 <= brightness <= 100:
        raise ToolError(f"brightness must be 1 to 100, got {brightness}")
    with _LOCK:
        state = _load()
        light = _device(state, device, "light")
        light.update(on=on, brightness=brightness)
        _save(state, f"light {device!r}")
    return f"{device} turned {'on' if on else 'off'}" + (f" at {brightness}%" if on else "")


@tools.tool(app="climate")
def get_temperature(room: str) -> float:
    """Read the current temperature of a room, in degrees Celsius.

    Args:
        room: Room name, e.g. 'bedroom'.
    """
    temps = _load()["temperatures"]
    key = room.strip().lower()
    if key not in temps:
        raise ToolError(f"no temperature sensor in {room!r}; rooms: {', '.join(temps)}")
    return temps[key]


@tools.tool(app="climate", side_effect=True)
def set_thermostat(room: str, target: float, mode: Literal["heat", "cool", "auto"] = "auto") -> str:
    """Set the thermostat of a room to a target temperature.

    Args:
        room: Room of the thermostat: 'living room' or 'bedroom'.
        target: Target temperature in degrees Celsius, 10 to 30.
        mode: 'heat', 'cool' or 'auto'.
    """
    if not 10 <= target <= 30:
        raise ToolError(f"target must be 10 to 30 degrees, got {target}")
    with _LOCK:
        state = _load()
        thermostat = _device(state, f"{room.strip().lower()} thermostat", "thermostat")
        thermostat.update(target=float(target), mode=mode)
        _save(state, f"thermostat of {room!r}")
    return f"{room} thermostat set to {target:g} degrees ({mode})"


@tools.tool(app="security", side_effect=True)
def lock_door(door: str, locked: bool = True) -> str:
    """Lock or unlock a door.

    Args:
        door: Exact name of the door, e.g. 'back door'.
        locked: True to lock it, False to unlock it.
    """
    with _LOCK:
        state = _load()
        _device(state, door, "lock")["locked"] = locked
        _save(state, f"lock {door!r}")
    return f"{door} {'locked' if locked else 'unlocked'}"


@tools.tool(app="scenes", side_effect=True)
def schedule_scene(scene: Literal["morning", "movie", "away", "night"], time: str) -> str:
    """Schedule a scene (a preset of lights, locks and heating) to start at a time.

    Args:
        scene: 'morning', 'movie', 'away' or 'night'.
        time: When, 'HH:MM' (24-hour clock).
    """
    hours, _, minutes = time.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60 and len(minutes) == 2):
        raise ToolError(f"time must be 'HH:MM', got {time!r}")
    with _LOCK:
        state = _load()
        state["scenes"].append({"scene": scene, "time": time})
        _save(state, f"scene {scene!r}")
    return f"{scene} scene scheduled for {time}"


@tools.tool(app="notify", side_effect=True)
def notify(message: str, recipients: list[str] | None = None) -> str:
    """Send a push notification to the household's phones.

    Args:
        message: Text of the notification.
        recipients: Names of the people to notify; empty for everyone.
    """
    if not message.strip():
        raise ToolError("message is empty")
    with _LOCK:
        state = _load()
        state["notifications"].append({"message": message, "recipients": recipients or []})
        _save(state, "notification")
    return f"notified {', '.join(recipients) if recipients else 'everyone'}: {message}"
