"""The layering the code promises (docs/architecture.md): no import circle, no import against the layers.

``scripts/check_layers.py`` reads every module of shop/, accounts/, catalogue/ and orders/ (imports
inside functions included); CI runs it, and so does this test, on the project and on small trees
made here with one known fault each, so that a checker that stopped seeing faults fails too.
"""

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPEC = importlib.util.spec_from_file_location("check_layers", ROOT / "scripts" / "check_layers.py")
check_layers = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(check_layers)


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for package in ("shop", "accounts", "catalogue", "orders"):
        (tmp_path / package).mkdir(exist_ok=True)
        (tmp_path / package / "__init__.py").touch()
    return tmp_path


def test_the_project_has_no_import_circle_and_no_import_against_the_layers():
    count, problems = check_layers.problems_in(ROOT)
    assert count > 50  # it read the project, not an empty folder
    assert problems == []


def test_a_circle_through_an_import_inside_a_function_is_found(tmp_path):
    root = _tree(
        tmp_path,
        {
            "orders/services/__init__.py": "",
            "orders/services/orders.py": "from orders.services.payments import refund\n",
            "orders/services/payments.py": "def refund():\n    from orders.services import orders\n",
            "orders/models.py": "",
        },
    )
    _count, problems = check_layers.problems_in(root)
    assert len(problems) == 1
    assert problems[0].startswith("import circle among orders.services.orders, orders.services.payments")


def test_a_relative_import_circle_is_found(tmp_path):
    root = _tree(
        tmp_path,
        {"catalogue/cache.py": "from . import listing\n", "catalogue/listing.py": "from .cache import x\n"},
    )
    _count, problems = check_layers.problems_in(root)
    assert [p.splitlines()[0] for p in problems] == ["import circle among catalogue.cache, catalogue.listing"]


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {"catalogue/selectors.py": "import orders.models\n", "orders/models.py": ""},
            "catalogue.selectors imports orders.models: catalogue never imports orders",
        ),
        (
            {
                "shop/health.py": "def f():\n    from catalogue.models import Product\n",
                "catalogue/models.py": "",
            },
            "shop.health imports catalogue.models: shop imports no domain app",
        ),
        (
            {"shop/api/errors.py": "from accounts import services\n", "accounts/services.py": ""},
            "shop.api.errors imports accounts.services: shop imports no domain app",
        ),
    ],
)
def test_an_import_against_the_layers_is_found(tmp_path, files, expected):
    _count, problems = check_layers.problems_in(_tree(tmp_path, files))
    assert problems == [expected]


def test_the_root_urls_may_mount_the_apps(tmp_path):
    root = _tree(tmp_path, {"shop/urls.py": "import orders.urls\n", "orders/urls.py": ""})
    assert check_layers.problems_in(root)[1] == []


def test_the_code_names_no_issue_numbers_and_has_no_mid_file_imports():
    """History belongs in commit messages; imports belong at the top of a module."""
    offenders = []
    for package in ("shop", "accounts", "catalogue", "orders", "templates"):
        for path in sorted((ROOT / package).rglob("*")):
            if path.suffix not in (".py", ".html", ".txt") or "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if re.search(r"[Ii]ssue [0-9]", line) or "noqa: E402" in line or "shared/" in line:
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
