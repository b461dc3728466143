"""Chaos scenario scripts, runnable as ``tradeloop scenario NAME``.

The whole daemon in virtual time (:func:`open_simulation`), fault schedules
as data (:class:`FaultSchedule`), the invariant checks run by
:func:`run_schedule`, and the named scenarios (:data:`SCENARIOS`).
"""

from . import _chaos as _chaos  # registers the scenarios
from . import _corruption as _corruption
from . import _kill as _kill
from . import _trading as _trading
from . import _wire as _wire
from ._checks import Check as Check
from ._cli import add_scenario_commands as add_scenario_commands
from ._faults import Fault as Fault
from ._faults import FaultSchedule as FaultSchedule
from ._faults import load_schedule as load_schedule
from ._harness import Simulation as Simulation
from ._harness import open_simulation as open_simulation
from ._report import Report as Report
from ._run import run_schedule as run_schedule
from ._scenario import SCENARIOS as SCENARIOS
from ._scenario import run_scenario as run_scenario

__all__ = [
    "SCENARIOS",
    "Check",
    "Fault",
    "FaultSchedule",
    "Report",
    "Simulation",
    "add_scenario_commands",
    "load_schedule",
    "open_simulation",
    "run_scenario",
    "run_schedule",
]
