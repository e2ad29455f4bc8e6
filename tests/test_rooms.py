"""The house's rule, read from the code: a room imports only from the rooms below it (in
``creditpipe.ROOMS``) and from itself; the core imports no room at all; nothing is left in
the package's top level but the command line; no module is over 500 lines."""

import ast
from pathlib import Path

import creditpipe

PACKAGE = Path(creditpipe.__file__).parent


def imports_of(path: Path) -> set[str]:
    """Every creditpipe module a file imports, at its top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("creditpipe"):
            found.add(node.module)
            if node.module == "creditpipe":
                found |= {f"creditpipe.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("creditpipe")}
    return found


def test_lower_rooms_never_import_higher_ones():
    rank = {room: i for i, room in enumerate(creditpipe.ROOMS)}
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if len(parts) < 2:
            continue
        for module in imports_of(path):
            target = module.split(".")[1] if "." in module else None
            if target in rank and rank[target] > rank[parts[0]]:
                wrong.append(f"{'/'.join(parts)} imports {module}")
    assert wrong == []


def test_the_rooms_are_the_packages_and_the_top_level_is_the_command_line():
    rooms = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert rooms == set(creditpipe.ROOMS)
    assert {p.name for p in PACKAGE.glob("*.py")} == {"__init__.py", "cli.py"}


def test_no_module_is_over_500_lines():
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500
    }
    assert long == {}


def test_the_readme_layout_names_every_module():
    """The README's layout section names every module, under its own room."""
    readme = (PACKAGE.parents[1] / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    sections: dict[str, str] = {}
    room = None
    for line in layout.splitlines():
        stripped = line.strip()
        if line.startswith("  ") and not line.startswith("    ") and stripped.split(" ")[0].endswith("/"):
            room = stripped.split(" ")[0].rstrip("/")
        elif not line.startswith("  "):
            room = None
        if room:
            sections[room] = sections.get(room, "") + line + "\n"
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if path.name == "__init__.py" and len(parts) > 1:
            continue
        where = sections.get(parts[0], "") if len(parts) > 1 else layout
        if path.name not in where:
            missing.append("/".join(parts))
    assert missing == []
