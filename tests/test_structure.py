"""The packages' shape, read with ``ast`` (nothing is imported): names that say one thing
each, and modules and functions small enough to read."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("vin_gym", "vin_model", "planners")
MAX_FUNCTION_LINES = 100
MAX_MODULE_LINES = 400
#: A protocol every module of a kind defines, so defined in many: each subcommand's
#: ``HELP``, ``add_parser`` and ``run`` (see ``vin_gym/cli.py``), a script's ``main``.
PROTOCOL_NAMES = {"vin_gym/commands": {"HELP", "add_parser", "run"}, "": {"main"}}


def _modules() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _top_level(tree: ast.Module) -> list[ast.stmt]:
    """The module's statements, those under a top-level ``if`` or ``try`` included."""
    out: list[ast.stmt] = []
    todo = list(tree.body)
    while todo:
        node = todo.pop(0)
        out.append(node)
        if isinstance(node, ast.If | ast.Try):
            todo += node.body + node.orelse + getattr(node, "finalbody", [])
            todo += [s for h in getattr(node, "handlers", []) for s in h.body]
    return out


def _defined(tree: ast.Module) -> set[str]:
    """Names a module defines itself (functions, classes, assignments), not imports."""
    names: set[str] = set()
    for node in _top_level(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names - {"__all__"}


def _exported(init: Path, root: Path = ROOT) -> dict[str, ast.stmt]:
    """The names a package's ``__init__`` binds to objects, with the statement that binds
    them (``import a.b`` and ``from a import b``, ``a`` the package, bind modules: left out;
    a submodule in ``__all__`` is the submodule)."""
    tree = ast.parse(init.read_text())
    package = ".".join(init.parent.relative_to(root).parts)
    out: dict[str, ast.stmt] = {}
    for node in _top_level(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                # ``from pkg import submodule`` binds the submodule itself: no shadow
                if node.module != package and not (node.level == 1 and node.module is None):
                    out[alias.asname or alias.name] = node
    for node in _top_level(tree):
        for name in _defined(ast.Module(body=[node], type_ignores=[])):
            out[name] = node
    return out


def _submodules(package: Path) -> set[str]:
    return {p.stem for p in package.glob("*.py") if p.stem != "__init__"} | {
        d.name for d in package.iterdir() if (d / "__init__.py").is_file()
    }


def _shadows(init: Path, root: Path = ROOT) -> list[str]:
    exported = _exported(init, root)
    package = init.parent.relative_to(root).parts
    return [
        f"{init.relative_to(root).as_posix()}: {name} (line {exported[name].lineno}) "
        f"shadows the submodule {'.'.join((*package, name))}"
        for name in sorted(set(exported) & _submodules(init.parent))
    ]


def test_no_exported_name_shadows_a_submodule() -> None:
    """``from pkg import x`` must give the submodule ``pkg.x`` or a name that is not one:
    a function named like its module (``vin_model.train`` once) hides the module, so that
    ``import pkg.x`` and ``pkg.x`` give different objects."""
    inits = [p for p in _modules() if p.name == "__init__.py"]
    assert len(inits) >= 6, inits  # the packages and their subpackages were found
    shadows = [line for init in inits for line in _shadows(init)]
    assert not shadows, "\n".join(shadows)


def test_no_public_name_is_defined_in_two_modules() -> None:
    """Each public name has one home; other modules import it (re-exports do not count).
    Two definitions drift apart (``OBS_MODES`` and ``RUNTIME_FIELDS`` once held different
    values under one name)."""
    homes: dict[str, list[str]] = defaultdict(list)
    for path in _modules():
        rel = _rel(path)
        allowed = set().union(
            *(names for folder, names in PROTOCOL_NAMES.items() if rel.startswith(folder))
        )
        for name in _defined(ast.parse(path.read_text())):
            if not name.startswith("_") and name not in allowed:
                homes[name].append(rel)
    twice = {name: where for name, where in homes.items() if len(where) > 1}
    assert not twice, "\n".join(f"{n}: {', '.join(w)}" for n, w in sorted(twice.items()))


def test_no_module_or_function_too_long_to_read() -> None:
    """No library module over 400 lines, no function (commands included) over 100."""
    too_long = [line for path in _modules() for line in _too_long(path)]
    assert not too_long, "\n".join(too_long)


def _too_long(path: Path, root: Path = ROOT) -> list[str]:
    text = path.read_text()
    lines = len(text.splitlines())
    name = path.relative_to(root).as_posix()
    out = []
    if lines > MAX_MODULE_LINES:
        out.append(f"{name}: {lines} lines (at most {MAX_MODULE_LINES})")
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            length = node.end_lineno - start + 1
            if length > MAX_FUNCTION_LINES:
                out.append(
                    f"{name}:{node.lineno} {node.name}: {length} lines "
                    f"(at most {MAX_FUNCTION_LINES})"
                )
    return out


def test_the_checks_catch_what_they_name(tmp_path: Path) -> None:
    """Each reader finds the fault it is written for, in a made-up package."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "train.py").write_text("def train(): pass\n")
    (pkg / "ok.py").write_text("")
    (pkg / "__init__.py").write_text(
        "from pkg import ok\nfrom pkg.train import train\nsub = 1\n__all__ = ['sub', 'ok']\n"
    )
    assert [line.split(":")[1] for line in _shadows(pkg / "__init__.py", tmp_path)] == [
        " sub (line 3) shadows the submodule pkg.sub",
        " train (line 2) shadows the submodule pkg.train",
    ]
    tree = ast.parse("A = 1\nif True:\n    B: int = 2\ndef f(): pass\nclass C: pass\nimport d\n")
    assert _defined(tree) == {"A", "B", "f", "C"}
    body = "".join(f"    x{i} = {i}\n" for i in range(99))
    (pkg / "long.py").write_text(f"def fine():\n{body}\n\ndef long():\n{body}    x = 1\n")
    assert [line.split()[1] for line in _too_long(pkg / "long.py", tmp_path)] == ["long:"]
    (pkg / "big.py").write_text("x = 1\n" * (MAX_MODULE_LINES + 1))
    assert _too_long(pkg / "big.py", tmp_path) == [
        f"pkg/big.py: 401 lines (at most {MAX_MODULE_LINES})"
    ]
