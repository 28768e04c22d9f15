"""README.md stays true about what it names: environment variables, files, make targets and
management commands.

Reads the README and the source as text; no database.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()

# Where the project reads its environment: the apps, their configuration and tooling, the
# benchmarks and the tests (not installed packages or npm folders).
SOURCE_DIRS = ("config", "orders", "fulfillments", "bench", "tests")
# os.environ.get("X"), os.environ["X"] (not an assignment), os.getenv("X"),
# os.environ.setdefault("X"), settings' env_bool/env_list("X"), and serve.py's env.get("X") /
# env.setdefault("X") on the environment it hands its children.
ENV_READ = re.compile(
    r"""(?:os\.environ\.get|os\.getenv|os\.environ\.setdefault|env_bool|env_list|\benv\.get"""
    r"""|\benv\.setdefault)\(\s*"([A-Z][A-Z0-9_]+)"|os\.environ\[\s*"([A-Z][A-Z0-9_]+)"\s*\]"""
    r"""(?!\s*=[^=])"""
)
# Named in the table, read by a library rather than by Packdesk's code.
READ_BY_LIBRARIES = {"GUNICORN_CMD_ARGS": "gunicorn"}


def source_files() -> list[Path]:
    files = [ROOT / "manage.py"]
    for folder in SOURCE_DIRS:
        files += [p for p in (ROOT / folder).rglob("*.py") if "node_modules" not in p.parts]
    return files


def variables_read() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in source_files():
        for match in ENV_READ.finditer(path.read_text()):
            found.setdefault(match.group(1) or match.group(2), path.relative_to(ROOT))
    return found


def section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def variables_documented() -> set[str]:
    """Every variable in the first cell of a row of the Configuration section's tables."""
    names: set[str] = set()
    for line in section("Configuration").splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            names |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", first_cell))
    return names


def test_the_scan_finds_what_it_should() -> None:
    """The pattern sees each way the code reads a variable, and not an assignment."""
    read = variables_read()
    for name in ("DJANGO_DEBUG", "DATABASE_URL", "PACKDESK_BIND", "CHROMIUM", "LOADTEST_DATA"):
        assert name in read
    assert "DJANGO_ALLOW_ASYNC_UNSAFE" not in read  # only ever set, by the browser tests
    assert len(variables_documented()) > 40


def test_every_variable_the_code_reads_is_in_the_configuration_table() -> None:
    documented = variables_documented()
    missing = {name: str(path) for name, path in variables_read().items() if name not in documented}
    assert not missing, f"README's Configuration section does not name: {missing}"


def test_every_variable_in_the_configuration_table_is_read() -> None:
    read = variables_read()
    stale = sorted(variables_documented() - set(read) - set(READ_BY_LIBRARIES))
    assert not stale, f"README's Configuration section names variables nothing reads: {stale}"


def test_files_the_readme_names_exist() -> None:
    """Backticked paths and image links to files of the repository (not URLs such as
    `/api/openapi.json`, not patterns or placeholders such as `bench-<orders>-<only>.md`)."""
    named = set(re.findall(r"`(\w[\w./-]*/[\w.-]+\.(?:py|md|html|json|toml|png|css|js))`", README))
    named |= set(re.findall(r"\]\(((?:static|tests|bench|config)/[^)\s]+)\)", README))
    missing = sorted(path for path in named if not (ROOT / path).exists())
    assert not missing, f"README names files that do not exist: {missing}"


def test_make_targets_the_readme_names_exist() -> None:
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][\w-]*):", makefile, re.MULTILINE))
    named = set(re.findall(r"`make ([a-z][\w-]*)", README))
    assert named - targets == set(), (
        f"README names make targets that do not exist: {named - targets}"
    )


def test_management_commands_the_readme_names_exist() -> None:
    named = set(re.findall(r"manage\.py ([a-z][a-z_]+)", README))
    missing = sorted(named - set(get_commands()))
    assert not missing, f"README names management commands that do not exist: {missing}"
