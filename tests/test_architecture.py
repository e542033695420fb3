"""The package's shape: no import cycles, the layering of docs/architecture.md, small modules.

import-linter's ``layers`` contract (``pyproject.toml``, run by ``lint-imports`` in CI) checks
that no lower layer imports a higher one; these tests add what it does not check: that there
is no cycle at all, even inside a layer or through an import inside a function, and that no
module grows past a size a reader can hold.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys

import grimp
import pytest

SRC = pathlib.Path(__file__).resolve().parents[1] / "src" / "deltaprop"
MAX_MODULE_LINES = 700


@pytest.fixture(scope="module")
def graph():
    # grimp counts every import statement, including those inside functions.
    return grimp.build_graph("deltaprop", include_external_packages=False)


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm (iterative): the strongly connected components with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, children = work[-1]
            for w in children:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(edges.get(w, ())))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    component = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        component.append(w)
                        if w == v:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_planted_cycle():
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert strongly_connected({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_among_the_modules(graph):
    # The package root imports its submodules (and loads the outer layers lazily by name), so
    # it is left out: a submodule importing ``deltaprop`` itself would still show as a cycle
    # through another submodule.
    modules = {m for m in graph.modules if m != "deltaprop"}
    edges = {m: {d for d in graph.find_modules_directly_imported_by(m) if d in modules} for m in modules}
    assert strongly_connected(edges) == []


def test_the_core_and_the_trainer_never_import_dask_or_an_outer_layer(graph):
    inner = ["deltaprop.activations", "deltaprop.losses", "deltaprop.network", "deltaprop.training"]
    outer = [m for m in graph.modules if m.startswith(("deltaprop.dask", "deltaprop.estimators", "deltaprop.cli",
                                                        "deltaprop.modelfile", "deltaprop.data"))]
    for a in inner:
        for b in outer:
            assert not graph.chain_exists(importer=a, imported=b), f"{a} reaches {b}"


def test_lint_imports_contract_holds():
    # The same check CI runs; here so that ``python -m pytest`` alone catches a broken layering.
    lint_imports = pathlib.Path(sys.executable).parent / "lint-imports"  # installed with the test extra
    r = subprocess.run([str(lint_imports), "--no-cache"], capture_output=True, text=True, cwd=SRC.parents[1])
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]


def test_no_module_over_700_lines():
    sizes = {str(p.relative_to(SRC)): len(p.read_text().splitlines()) for p in SRC.rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES} == {}
