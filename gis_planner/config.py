"""The plan configuration (``plan.toml``): inputs, their coordinate systems, the profile, analyses.

Paths in ``[inputs]`` are relative to the config file (or to ``base_dir``). Every error names
the key, e.g. ``plan.toml: inputs.compounds.path: file not found``. See ``docs/report.md``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gis_planner._errors import InputDataError

#: Input layers the pipeline reads, and whether each is required.
INPUTS: dict[str, bool] = {
    "network": True,
    "compounds": True,
    "gates": False,
    "facilities": True,
    "candidates": False,
    "communities": False,
    "subdistricts": False,
    "community_attributes": False,
}
_INPUT_KEYS = {"path", "coords", "layer", "category_col"}
_COORDS = {"wgs84", "gcj02", "bd09", "cgcs2000"}
_ANALYSES: dict[str, set[str]] = {
    "reach": {"enabled", "categories", "map_category", "service_area_category"},
    "communities": {"enabled"},
    "siting": {"enabled", "category", "n_sites", "elderly_per_subdistrict", "elderly_category"},
    "compliance": {"enabled"},
}
_PLAN_KEYS = {"name", "profile", "metric_crs", "synthetic_households", "provenance"}


@dataclass(frozen=True)
class InputSpec:
    """One input layer: absolute ``path``, ``coords`` (source coordinate system) and options."""

    path: Path
    coords: str | None = None
    layer: str | None = None
    category_col: str | None = None


@dataclass(frozen=True)
class PlanConfig:
    """A validated plan configuration (build it with :func:`load_config`)."""

    source: str
    name: str
    profile: str
    inputs: Mapping[str, InputSpec]
    analyses: Mapping[str, Mapping[str, Any]]
    metric_crs: str | int | None = None
    synthetic_households: bool = False
    provenance: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)

    def enabled(self, analysis: str) -> bool:
        """Whether ``analysis`` (``reach``, ``communities``, ``siting``, ``compliance``) runs."""
        return bool(self.analyses.get(analysis, {}).get("enabled", False))


def _err(label: str, key: str, msg: str) -> InputDataError:
    return InputDataError(f"{label}: {key}: {msg}")


def _check_keys(table: Mapping[str, Any], allowed: set[str], label: str, prefix: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise _err(label, f"{prefix}{unknown[0]}",
                   f"unknown key; allowed keys: {', '.join(sorted(allowed))}.")


def _type(value: Any, types: type | tuple[type, ...], label: str, key: str, expected: str) -> Any:
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in
                                        (types if isinstance(types, tuple) else (types,))):
        raise _err(label, key, f"expected {expected}, found {value!r}.")
    return value


def parse_config(data: Mapping[str, Any], *, base_dir: str | os.PathLike[str],
                 label: str = "plan.toml", check_files: bool = True) -> PlanConfig:
    """Validate a parsed plan config.

    Parameters
    ----------
    data
        The TOML content as a dict.
    base_dir
        Folder that relative input paths are resolved against.
    label
        Name of the config used in error messages.
    check_files
        Raise when an input file does not exist.

    Raises
    ------
    InputDataError
        Unknown or missing keys, wrong types, missing files; the message names the key.
    """
    base = Path(base_dir)
    _check_keys(data, {"plan", "inputs", "analyses"}, label, "")
    plan = _type(data.get("plan", {}), dict, label, "plan", "a table [plan]")
    _check_keys(plan, _PLAN_KEYS, label, "plan.")
    if "profile" not in plan:
        raise _err(label, "plan.profile", "missing; give a policy profile id such as "
                   "'taizhou-2023' (see `gis-planner profiles`).")
    profile = _type(plan["profile"], str, label, "plan.profile", "a profile id (string)")
    metric_crs = plan.get("metric_crs")
    if metric_crs is not None:
        _type(metric_crs, (str, int), label, "plan.metric_crs", "'utm', 'cgcs2000_3deg' or an EPSG code")
    synthetic = _type(plan.get("synthetic_households", False), bool, label,
                      "plan.synthetic_households", "true or false")
    inputs_raw = _type(data.get("inputs", {}), dict, label, "inputs", "a table [inputs]")
    _check_keys(inputs_raw, set(INPUTS), label, "inputs.")
    inputs: dict[str, InputSpec] = {}
    for name, required in INPUTS.items():
        if name not in inputs_raw:
            if required:
                raise _err(label, f"inputs.{name}", f"missing; add [inputs.{name}] with a path.")
            continue
        spec = inputs_raw[name]
        if isinstance(spec, str):
            spec = {"path": spec}
        _type(spec, dict, label, f"inputs.{name}", "a table with 'path'")
        _check_keys(spec, _INPUT_KEYS, label, f"inputs.{name}.")
        if "path" not in spec:
            raise _err(label, f"inputs.{name}.path", "missing.")
        rel = _type(spec["path"], str, label, f"inputs.{name}.path", "a path (string)")
        path = (base / rel).resolve()
        if check_files and not path.exists():
            raise _err(label, f"inputs.{name}.path", f"file not found: {path}.")
        coords = spec.get("coords")
        if coords is not None:
            _type(coords, str, label, f"inputs.{name}.coords", "a string")
            if coords.lower() not in _COORDS and not coords.upper().startswith("EPSG:"):
                raise _err(label, f"inputs.{name}.coords",
                           f"expected one of {', '.join(sorted(_COORDS))} or 'EPSG:<code>', "
                           f"found {coords!r}.")
        inputs[name] = InputSpec(path=path, coords=coords, layer=spec.get("layer"),
                                 category_col=spec.get("category_col"))
    analyses_raw = _type(data.get("analyses", {}), dict, label, "analyses", "a table [analyses]")
    _check_keys(analyses_raw, set(_ANALYSES), label, "analyses.")
    analyses: dict[str, dict[str, Any]] = {}
    for name, allowed in _ANALYSES.items():
        opts = _type(analyses_raw.get(name, {"enabled": False}), dict, label,
                     f"analyses.{name}", "a table")
        _check_keys(opts, allowed, label, f"analyses.{name}.")
        opts = {"enabled": True, **opts}
        _type(opts["enabled"], bool, label, f"analyses.{name}.enabled", "true or false")
        if "n_sites" in opts:
            n = _type(opts["n_sites"], int, label, f"analyses.{name}.n_sites", "an integer >= 1")
            if n < 1:
                raise _err(label, f"analyses.{name}.n_sites", f"expected >= 1, found {n}.")
        analyses[name] = opts
    if analyses["communities"]["enabled"] and "communities" not in inputs:
        raise _err(label, "inputs.communities", "needed by analyses.communities; add it or "
                   "set analyses.communities.enabled = false.")
    if analyses["siting"]["enabled"] and "candidates" not in inputs:
        raise _err(label, "inputs.candidates", "needed by analyses.siting; add it or set "
                   "analyses.siting.enabled = false.")
    return PlanConfig(source=label, name=str(plan.get("name", "")), profile=profile,
                      inputs=inputs, analyses=analyses, metric_crs=metric_crs,
                      synthetic_households=synthetic, provenance=str(plan.get("provenance", "")),
                      raw=dict(data))


def load_config(path: str | os.PathLike[str], *, base_dir: str | os.PathLike[str] | None = None,
                check_files: bool = True) -> PlanConfig:
    """Read and validate ``plan.toml``.

    Parameters
    ----------
    path
        The config file.
    base_dir
        Folder for relative input paths; default the config file's folder.
    check_files
        Raise when an input file does not exist.

    Raises
    ------
    InputDataError
        Missing file, invalid TOML (line named), or an invalid key (named).
    """
    p = Path(path)
    if not p.is_file():
        raise InputDataError(f"{p}: config file not found.")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputDataError(f"{p}: not valid TOML ({exc}).") from exc
    return parse_config(data, base_dir=base_dir if base_dir is not None else p.parent,
                        label=p.name, check_files=check_files)
