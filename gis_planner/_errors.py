"""Exception and warning classes shared by the whole package.

Every error a user can cause derives from :class:`GisPlannerError`; the CLI catches it once,
prints its message on one line and exits with code 2.
"""

from __future__ import annotations


class GisPlannerError(Exception):
    """Base class of every error the project raises on purpose."""


class InputDataError(GisPlannerError, ValueError):
    """A file, layer, column or row does not hold what was expected.

    The message names the input (file and layer, or argument), the column or rows, what was
    expected against what was found, and how to fix it.
    """


class NothingToSiteError(InputDataError):
    """A siting job whose every unit (sub-district) already has what it asks for."""


class CRSError(InputDataError):
    """A coordinate reference system is missing, unsuitable or undeclared."""


class PolicyError(GisPlannerError, ValueError):
    """A policy profile is malformed (the message names the file and the key)."""


class InfeasibleError(GisPlannerError, RuntimeError):
    """An optimisation or adjustment request has no feasible solution (the binding constraint is named)."""


class OfflineError(GisPlannerError, RuntimeError):
    """A download was asked for but the network cannot be reached."""


class GisPlannerWarning(UserWarning):
    """A data problem the user can act on (e.g. points far from any road, suspected GCJ-02 shift)."""
