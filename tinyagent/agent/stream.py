"""From model tokens to checked tasks, as they are generated: the planning half of the agent loop.

The code lives in `tinyagent.planner.run.PlanRun` (one planning path for the agent, evaluation and
validation); `PlanStream` is its name here. `PlanStream.tasks()` is an async generator for
`tinyagent.execute.run_tasks`: tasks are yielded the moment their line is complete and passes the
check against the *selected* catalog, so execution starts while the model is still writing.

Example:
    >>> import asyncio
    >>> from tinyagent.agent.scripted import ScriptedBackend
    >>> from tinyagent.planner.backends.base import GenerationConfig
    >>> from tinyagent.tools import ASSISTANT_TOOLS
    >>> ps = PlanStream(ScriptedBackend(['1. get_phone_number("Sid")\\n2. send_sms(["$1"], "hi")\\n3. join()']),
    ...                 [], GenerationConfig(), ASSISTANT_TOOLS.subset(["get_phone_number"]))
    >>> async def collect(): return [t.tool async for t in ps.tasks()]
    >>> asyncio.run(collect()), [r.task.tool for r in ps.refused]
    (['get_phone_number'], ['send_sms'])
"""
from tinyagent.planner.run import PlanRun as PlanStream

__all__ = ["PlanStream"]
