"""The import rules of ``docs/architecture.md``, checked on the source with ``ast``.

Every module of the package is parsed (nothing is imported) and its static imports collected:
module-level ones, those inside functions (lazy imports are still dependencies) and those under
``if TYPE_CHECKING:``. TYPE_CHECKING imports count for the layer and privacy rules (a type
annotation that names a higher layer couples the code to it just the same) but not for import
cycles (they never run, so they cannot make one).

Rules:

(a) layers: a module imports only modules of its own layer or a lower one; besides, ``maps``
    and ``report`` never import each other (they share modules below both);
(b) privacy: a module never imports another package's private module or private name (a
    dotted part starting with ``_``), except the ground modules ``gis_planner._errors``,
    ``_units``, ``_validate``, ``_text``, ``_fs``, ``_threads`` and ``_arrays``;
(c) input files: outside ``gis_planner.io`` no module calls a file reader (``read_file``,
    ``read_dataframe``, ``read_excel``, ``read_csv``, ``read_parquet``, ``rasterio.open`` …),
    nor opens a path for reading (``open``, ``.read_text()``, ``.read_bytes()``). Not counted:
    writers (``open(p, "w")``), files shipped in the package (``resources.files(…)…``), TOML
    configuration read straight into ``tomllib.loads`` (profiles, plan and settings files), the
    readers of ``gis_planner.io`` called by name, and the reads in ``ALLOWED_READS``;
(d) no import cycles between files (module-level and function-level imports).

Known violations are listed, with their file, in ``KNOWN_*`` below; each entry is removed
when its file is fixed (a stale entry is reported as a warning). A new violation fails.
"""

from __future__ import annotations

import ast
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "gis_planner"
PACKAGE = "gis_planner"

#: Layer of each module, by the longest matching dotted prefix (lower numbers are lower).
LAYER_OF_PREFIX: dict[str, int] = {
    # 0 ground: errors, units, validation, text checks, atomic writes, threads, array helpers,
    # settings, categories
    "gis_planner": 0,  # the package __init__: __version__ only
    "gis_planner._errors": 0,
    "gis_planner._units": 0,
    "gis_planner._validate": 0,
    "gis_planner._text": 0,
    "gis_planner._fs": 0,
    "gis_planner._threads": 0,
    "gis_planner._arrays": 0,
    "gis_planner.settings": 0,
    "gis_planner.categories": 0,
    "gis_planner.data": 0,  # package data (categories.csv)
    # 1 the walk network
    "gis_planner.network": 1,
    # 2 readers
    "gis_planner.io": 2,
    # 3 analyses
    "gis_planner.coverage": 3,
    "gis_planner.siting": 3,
    "gis_planner.community": 3,
    "gis_planner.policy": 3,
    "gis_planner.elderly": 3,
    "gis_planner.grids": 3,
    "gis_planner.centres": 3,
    # 4 province scale: the analyses run per partition
    "gis_planner.partition": 4,
    # 5 the typed plan contracts (config, siting jobs, inputs, results, the output strings)
    # and the report model
    "gis_planner.plan": 5,
    "gis_planner.report.model": 5,
    "gis_planner.report.i18n": 5,
    "gis_planner.report.versions": 5,
    "gis_planner.report.charts": 5,
    # 6 renderers and maps
    "gis_planner.report.render": 6,
    "gis_planner.maps": 6,
    # 7 the output folder: renderers and maps together (gis_planner.outputs); the report
    # package gives its names
    "gis_planner.outputs": 7,
    "gis_planner.report": 7,
    # 8 the whole job, and the demo town that runs it
    "gis_planner.pipeline": 8,
    "gis_planner.demo": 8,
    # 9 the command line
    "gis_planner.cli": 9,
    "gis_planner.__main__": 9,
}
LAYER_NAMES = {
    0: "ground",
    1: "network",
    2: "io",
    3: "analyses",
    4: "partition",
    5: "report model",
    6: "renderers/maps",
    7: "outputs",
    8: "pipeline",
    9: "cli",
}
#: Private modules anyone may import.
GROUND_PRIVATE = frozenset(
    {"gis_planner._errors", "gis_planner._units", "gis_planner._validate", "gis_planner._text",
     "gis_planner._fs", "gis_planner._threads", "gis_planner._arrays"}
)
#: Packages that never import each other (rule a).
APART = (("gis_planner.maps", "gis_planner.report"),)

# ---------------------------------------------------------------------------------------------
# Known violations: (importing file, imported module or name). Remove an entry when fixed.
# ---------------------------------------------------------------------------------------------
KNOWN_LAYER: frozenset[tuple[str, str]] = frozenset()
KNOWN_PRIVATE: frozenset[tuple[str, str]] = frozenset()
KNOWN_READS: frozenset[tuple[str, str]] = frozenset()
#: Imports that close a known cycle (importing file, imported module); the cycle check drops
#: these edges, so a new cycle still fails.
KNOWN_CYCLE_EDGES: frozenset[tuple[str, str]] = frozenset()
#: Reads outside io that are allowed: (file, call) -> why.
ALLOWED_READS: dict[tuple[str, str], str] = {
    ("gis_planner/categories.py", "read_csv"): "package data: data/categories.csv",
    ("gis_planner/policy/profile.py", "read_bytes"): "profiles: shipped TOML or a profile path",
    ("gis_planner/grids/settings.py", "read_bytes"): "configuration: shipped or user TOML",
    ("gis_planner/maps/plan.py", "read_bytes"): "package data: maps/assets",
    ("gis_planner/partition/run.py", "read_text"): "/proc/self/status (memory use)",
    ("gis_planner/partition/store.py", "read_text"): "the partition store this package writes",
    ("gis_planner/partition/store.py", "read_parquet"): "the partition store this package writes",
    ("gis_planner/partition/store.py", "read_dataframe"): "the partition store this package writes",
    ("gis_planner/partition/store.py", "read_schema"): "the partition store this package writes",
    ("gis_planner/partition/store.py", "read_table"): "the partition store this package writes",
    ("gis_planner/partition/merge.py", "read_schema"): "partition results this package writes",
    ("gis_planner/partition/merge.py", "read_table"): "partition results this package writes",
    ("gis_planner/cli/convert.py", "read_metadata"): "the partition store it has just written",
}

#: Calls that read a data file (by attribute or function name).
READER_CALLS = frozenset(
    {
        "read_file",
        "read_dataframe",
        "read_excel",
        "read_csv",
        "read_parquet",
        "read_feather",
        "read_json",
        "read_metadata",
        "read_schema",
        "read_table",
        "read_text",
        "read_bytes",
        "load_workbook",
    }
)
#: Modules whose ``open`` reads a data file whatever its name (rasterio.open, fiona.open …).
OPENER_MODULES = frozenset({"rasterio", "fiona", "pyogrio", "gdal", "ogr", "h5py", "zipfile"})
#: Modes of ``open`` that write (a writer, not a reader).
WRITE_MODES = ("w", "a", "x")


@dataclass(frozen=True)
class Import:
    """One static import: the importing file, the line, the target and how it is imported."""

    file: str  # path relative to the repository, e.g. gis_planner/maps/plan.py
    line: int
    target: str  # a module, or module.name for ``from module import name``
    module: str  # the module part of the target
    type_checking: bool


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _rel(path: Path) -> str:
    return path.relative_to(PACKAGE_DIR.parent).as_posix()


MODULE_FILES: dict[str, Path] = {_module_name(p): p for p in sorted(PACKAGE_DIR.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(node: ast.AST, in_tc: bool = False) -> Iterator[tuple[ast.AST, bool]]:
    """Every node with whether it sits under ``if TYPE_CHECKING:``."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for sub in child.body:
                yield sub, True
                yield from _walk(sub, True)
            for sub in child.orelse:
                yield sub, in_tc
                yield from _walk(sub, in_tc)
            continue
        yield child, in_tc
        yield from _walk(child, in_tc)


def _resolve_from(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(path: Path) -> list[Import]:
    module = _module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out: list[Import] = []
    for node, tc in _walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE:
                    out.append(Import(_rel(path), node.lineno, alias.name, alias.name, tc))
        elif isinstance(node, ast.ImportFrom):
            src = _resolve_from(module, path.name == "__init__.py", node)
            if src.split(".")[0] != PACKAGE:
                continue
            for alias in node.names:
                sub = f"{src}.{alias.name}"
                # ``from gis_planner.siting import heuristic`` names a module; otherwise a name
                target_module = sub if sub in MODULE_FILES else src
                out.append(Import(_rel(path), node.lineno, sub, target_module, tc))
    return out


ALL_IMPORTS: list[Import] = [imp for p in MODULE_FILES.values() for imp in _imports(p)]


def layer_of(module: str) -> int:
    """The layer of a module: its longest prefix in :data:`LAYER_OF_PREFIX`."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        prefix = ".".join(parts[:n])
        if prefix in LAYER_OF_PREFIX:
            return LAYER_OF_PREFIX[prefix]
    raise KeyError(module)


def _package(module: str) -> str:
    """``gis_planner.siting.matrix`` -> ``gis_planner.siting``; top-level modules are their own."""
    parts = module.split(".")
    return ".".join(parts[:2])


def _within(module: str, prefix: str) -> bool:
    """Whether ``module`` is ``prefix`` or inside it."""
    return module == prefix or module.startswith(prefix + ".")


def _describe(imp: Import, why: str) -> str:
    return f"  {imp.file}:{imp.line} imports {imp.target}: {why}"


def _report(found: list[str], rule: str, hint: str) -> str:
    return f"{len(found)} import(s) break the {rule} rule ({hint}):\n" + "\n".join(found)


def _stale(known: frozenset[tuple[str, str]], seen: set[tuple[str, str]], what: str) -> None:
    gone = sorted(known - seen)
    if gone:
        warnings.warn(
            f"{what}: these known violations no longer occur; remove them from the list: {gone}",
            UserWarning,
            stacklevel=2,
        )


# ---------------------------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------------------------


def test_every_module_has_a_layer():
    missing = []
    for module in MODULE_FILES:
        try:
            layer_of(module)
        except KeyError:
            missing.append(module)
    # only the package __init__ maps to "gis_planner" itself; a new package needs its own entry
    loose = [
        m
        for m in MODULE_FILES
        if m != PACKAGE and m.count(".") >= 1 and ".".join(m.split(".")[:2]) not in LAYER_OF_PREFIX
    ]
    assert not missing and not loose, (
        "modules without a layer; add their package to LAYER_OF_PREFIX in "
        f"tests/test_architecture.py and to docs/architecture.md: {missing + loose}"
    )


def layer_violations(imports: list[Import]) -> tuple[list[str], set[tuple[str, str]]]:
    """Rule (a): (readable findings, the known entries that matched)."""
    found: list[str] = []
    seen: set[tuple[str, str]] = set()
    for imp in imports:
        src = _module_name(PACKAGE_DIR.parent / imp.file)
        low, high = layer_of(src), layer_of(imp.module)
        apart = any(
            (_within(src, a) and _within(imp.module, b))
            or (_within(src, b) and _within(imp.module, a))
            for a, b in APART
        )
        if high <= low and not apart:
            continue
        for known in KNOWN_LAYER:
            if known[0] == imp.file and (imp.module + ".").startswith(known[1] + "."):
                seen.add(known)
                break
        else:
            why = (
                f"maps and report never import each other ({LAYER_NAMES[low]} -> "
                f"{LAYER_NAMES[high]})"
                if apart
                else f"layer {low} ({LAYER_NAMES[low]}) imports layer {high} ({LAYER_NAMES[high]})"
            )
            found.append(_describe(imp, why))
    return found, seen


def test_lower_layers_never_import_higher_ones():
    found, seen = layer_violations(ALL_IMPORTS)
    _stale(KNOWN_LAYER, seen, "KNOWN_LAYER")
    assert not found, _report(found, "layer", "see docs/architecture.md")


def private_violations(imports: list[Import]) -> tuple[list[str], set[tuple[str, str]]]:
    """Rule (b): (readable findings, the known entries that matched)."""
    found: list[str] = []
    seen: set[tuple[str, str]] = set()
    for imp in imports:
        src = _module_name(PACKAGE_DIR.parent / imp.file)
        if _package(src) == _package(imp.module) and _package(src) != PACKAGE:
            continue  # inside one package
        # the dotted parts after "gis_planner"; a ground module itself is open to all
        parts = imp.target.split(".")[1:]
        if imp.module in GROUND_PRIVATE:
            parts = parts[1:]
        private = [p for p in parts if p.startswith("_") and not p.startswith("__")]
        if not private:
            continue
        for known in KNOWN_PRIVATE:
            if known[0] == imp.file and (imp.target + ".").startswith(known[1] + "."):
                seen.add(known)
                break
        else:
            found.append(
                _describe(imp, f"{'.'.join(private)} is private to {_package(imp.module)}")
            )
    return found, seen


def test_no_private_module_of_another_package():
    found, seen = private_violations(ALL_IMPORTS)
    _stale(KNOWN_PRIVATE, seen, "KNOWN_PRIVATE")
    assert not found, _report(found, "privacy", "promote what is shared to a public name")


def _call_name(call: ast.Call) -> tuple[str, str | None]:
    """(name called, the name it is called on: None for a plain function, "" for an expression)."""
    f = call.func
    if isinstance(f, ast.Name):
        return f.id, None
    if isinstance(f, ast.Attribute):
        return f.attr, f.value.id if isinstance(f.value, ast.Name) else ""
    return "", ""


def _mode_of(call: ast.Call, position: int) -> str | None:
    """The mode argument of an ``open`` call, when it is a literal."""
    args = [kw.value for kw in call.keywords if kw.arg == "mode"]
    if len(call.args) > position:
        args.append(call.args[position])
    for a in args:
        if isinstance(a, ast.Constant) and isinstance(a.value, str):
            return a.value
    return None


def _on_package_data(call: ast.Call) -> bool:
    """Whether the call is made on ``resources.files(...)…`` (a file shipped in the package)."""
    node: ast.AST = call.func
    while isinstance(node, ast.Attribute | ast.Call):
        if isinstance(node, ast.Call):
            if _call_name(node) == ("files", "resources"):
                return True
            node = node.func
        else:
            node = node.value
    return False


def _reads(path: Path) -> Iterator[tuple[int, str]]:
    """(line, call) of every call in ``path`` that may read a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    io_names = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and _within(node.module or "", "gis_planner.io")
        for alias in node.names
    }
    config = {
        id(arg)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _call_name(node) == ("loads", "tomllib")
        for arg in node.args
    }
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or id(node) in config or _on_package_data(node):
            continue  # tomllib.loads(path.read_text()): a configuration; package data
        name, owner = _call_name(node)
        if owner is None and name in io_names:
            continue  # a reader of gis_planner.io
        if name in READER_CALLS:
            yield node.lineno, name
        elif name == "open":
            if owner == "os":
                continue  # file descriptors: locks and probes of the writers in _fs
            # open(path, mode) and rasterio.open(path, mode); path.open(mode)
            mode = _mode_of(node, 1 if owner is None or owner in OPENER_MODULES else 0)
            if mode is not None and any(m in mode for m in WRITE_MODES):
                continue
            yield node.lineno, "open"


def test_only_io_reads_input_files():
    found, seen = [], set()
    for module, path in MODULE_FILES.items():
        if module == "gis_planner.io" or module.startswith("gis_planner.io."):
            continue
        for line, call in _reads(path):
            key = (_rel(path), call)
            if key in ALLOWED_READS:
                continue
            if key in KNOWN_READS:
                seen.add(key)
                continue
            found.append(f"  {key[0]}:{line} calls {call}(): read it through gis_planner.io")
    _stale(KNOWN_READS, seen, "KNOWN_READS")
    assert not found, _report(
        found, "input-file", "readers live in gis_planner.io; package data and writers are listed"
    )


def _runtime_graph(skip: frozenset[tuple[str, str]] = frozenset()) -> dict[str, set[str]]:
    """Module -> modules it imports at run time (TYPE_CHECKING imports left out), less ``skip``."""
    graph: dict[str, set[str]] = {m: set() for m in MODULE_FILES}
    for imp in ALL_IMPORTS:
        if imp.type_checking or (imp.file, imp.module) in skip:
            continue
        src = _module_name(PACKAGE_DIR.parent / imp.file)
        if imp.module in MODULE_FILES and imp.module != src:
            graph[src].add(imp.module)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.append(w)
                        if w == node:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return out


def test_no_import_cycles_between_files():
    present = {(imp.file, imp.module) for imp in ALL_IMPORTS if not imp.type_checking}
    _stale(KNOWN_CYCLE_EDGES, present & KNOWN_CYCLE_EDGES, "KNOWN_CYCLE_EDGES")
    cycles = _cycles(_runtime_graph(KNOWN_CYCLE_EDGES))
    assert not cycles, "import cycles between files (break them by moving the shared part):\n" + (
        "\n".join("  " + " <-> ".join(c) for c in cycles)
    )


# ---------------------------------------------------------------------------------------------
# The checker itself, on small sources: each rule must be able to fail.
# ---------------------------------------------------------------------------------------------


def test_cycle_finder_finds_a_cycle_and_only_it():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_layers_of_modules():
    assert layer_of("gis_planner._errors") == 0
    assert layer_of("gis_planner.siting.matrix") == 3
    assert layer_of("gis_planner.report.model") == 5
    assert layer_of("gis_planner.report.render") == 6
    assert layer_of("gis_planner.report") == 7
    assert layer_of("gis_planner.cli.check") == 9
    with pytest.raises(KeyError):
        layer_of("numpy")


def test_imports_found_in_functions_and_type_checking(tmp_path, monkeypatch):
    pkg = tmp_path / "gis_planner"
    (pkg / "siting").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "siting" / "__init__.py").write_text("")
    (pkg / "siting" / "_milp.py").write_text("")
    src = pkg / "siting" / "x.py"
    src.write_text(
        "from typing import TYPE_CHECKING\n"
        "from . import _milp\n"
        "if TYPE_CHECKING:\n"
        "    from gis_planner.report.model import Report\n"
        "def f():\n"
        "    import gis_planner.cli\n"
        "    with open(p) as fh, open(q, 'w') as out:\n"
        "        pass\n"
        "    cfg = tomllib.loads(Path(p).read_text())\n"
        "    data = resources.files('gis_planner.data').joinpath('x.csv').read_text()\n"
        "    return rasterio.open(p), Path(p).read_text(), read_table(p), pq.read_table(p)\n"
        "from gis_planner.io.tables import read_table\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE_DIR", pkg)
    monkeypatch.setitem(MODULE_FILES, "gis_planner.siting._milp", pkg / "siting" / "_milp.py")
    found = {(i.target, i.type_checking) for i in _imports(src)}
    assert ("gis_planner.siting._milp", False) in found
    assert ("gis_planner.report.model.Report", True) in found
    assert ("gis_planner.cli", False) in found
    # open(p) and rasterio.open(p) read, open(q, "w") writes; io's read_table, a TOML
    # configuration and package data are allowed
    assert sorted(c for _, c in _reads(src)) == ["open", "open", "read_table", "read_text"]


def test_layer_and_privacy_rules_fail_on_new_violations():
    def imp(file: str, target: str, module: str) -> Import:
        return Import(file, 1, target, module, False)

    bad = [
        imp("gis_planner/siting/matrix.py", "gis_planner.report.model", "gis_planner.report.model"),
        imp("gis_planner/report/render.py", "gis_planner.maps.plan", "gis_planner.maps.plan"),
        imp("gis_planner/io/points.py", "gis_planner.network.travel._x", "gis_planner.network.travel"),
    ]
    good = [
        imp("gis_planner/cli/site.py", "gis_planner.siting.matrix", "gis_planner.siting.matrix"),
        imp("gis_planner/siting/matrix.py", "gis_planner.siting._problem", "gis_planner.siting._problem"),
        imp("gis_planner/siting/matrix.py", "gis_planner._errors.InfeasibleError", "gis_planner._errors"),
    ]
    found, _ = layer_violations(bad + good)
    assert len(found) == 2
    assert "layer 3 (analyses) imports layer 5 (report model)" in found[0]
    assert "maps and report never import each other" in found[1]
    found, _ = private_violations(bad + good)
    assert len(found) == 1 and "_x is private to gis_planner.network" in found[0]
