"""Every fixture of the test suite goes through the whole analysis without a hidden crash.

Each file (and each directory of `.tf` files, as a module) is loaded, checked
and reported by `pipeline_support.analyse`, which fails on any exception,
any exception a front-end hid as TL000, any location that is not a span and
any report that cannot be written as UTF-8.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES
from pipeline_support import analyse, malformed_locations

from trustlint.model import Location, PolicyDocument, SourceUnit, Statement
from trustlint.records import replace

CANDIDATES = (".yaml", ".yml", ".json", ".template")


def fixture_files() -> list[Path]:
    return sorted(path for path in FIXTURES.rglob("*") if path.suffix in CANDIDATES)


def module_directories() -> list[Path]:
    return sorted({path.parent for path in FIXTURES.rglob("*.tf")})


@pytest.mark.parametrize("layer", sorted(path.name for path in FIXTURES.iterdir()))
def test_every_file_of_a_fixture_layer_is_analysed(layer: str) -> None:
    files = [path for path in fixture_files() if path.relative_to(FIXTURES).parts[0] == layer]
    failures = []
    for path in files:
        try:
            analyse([path], FIXTURES)
        except Exception as error:
            failures.append(f"{path.relative_to(FIXTURES)}: {type(error).__name__}: {error}")
    assert failures == []


def test_every_terraform_fixture_module_is_analysed() -> None:
    failures = []
    for directory in module_directories():
        try:
            analyse([directory], FIXTURES)
        except Exception as error:
            failures.append(f"{directory.relative_to(FIXTURES)}: {type(error).__name__}: {error}")
    assert failures == []


def test_the_location_check_reaches_locations_inside_the_model() -> None:
    # `analyse` fails a fixture whose model holds a location that is not a
    # span; the walk must reach a location nested in records and tuples.
    bad = Location("bad.yaml", 3, 0, 3, 5)
    statement = Statement(Location("bad.yaml", 2, 1, 2, 9), conditions=())
    document = PolicyDocument("trust", Location("bad.yaml", 1, 1, 4, 1), statements=(statement,))
    unit = SourceUnit(
        "bad.yaml",
        "cloudformation",
        ("bad.yaml",),
        documents=(replace(document, statements=(replace(statement, action_location=bad),)),),
    )
    assert malformed_locations([unit]) == [repr(bad)]
    assert malformed_locations([replace(unit, documents=(document,))]) == []
