"""The lock files pin every dependency of pyproject.toml inside its range: a dependency
added without `make lock` fails here rather than on a fresh machine."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==([^\s;\\]+)", re.MULTILINE)


def pins(lock: str) -> dict[str, str]:
    text = (ROOT / lock).read_text(encoding="utf-8")
    return {canonicalize_name(name): version for name, version in PIN.findall(text)}


def project() -> dict:
    with (ROOT / "pyproject.toml").open("rb") as stream:
        return tomllib.load(stream)["project"]


@pytest.mark.parametrize(
    ("lock", "groups"), [("requirements.lock", ()), ("requirements-test.lock", ("test",))]
)
def test_lock_pins_every_dependency_within_its_range(lock: str, groups: tuple[str, ...]) -> None:
    pinned = pins(lock)
    wanted = list(project()["dependencies"])
    for group in groups:
        wanted += project()["optional-dependencies"][group]
    for line in wanted:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{name} is not in {lock}: run `make lock`"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"{lock} pins {name}=={pinned[name]} outside {requirement.specifier}: run `make lock`"
        )


def test_both_locks_agree_and_every_dependency_has_an_upper_bound() -> None:
    runtime, test = pins("requirements.lock"), pins("requirements-test.lock")
    assert {name: test[name] for name in runtime} == runtime
    for line in project()["dependencies"]:
        requirement = Requirement(line)
        if requirement.name != "tzdata":  # calendar-versioned data: newer is always right
            assert any(spec.operator == "<" for spec in requirement.specifier), line
