"""The dependency locks: requirements.txt and requirements-dev.txt are made by `bash scripts/lock`
from the declared ranges in requirements.in and requirements-dev.in. Every direct dependency is
pinned within its range, every pin carries hashes, the two locks agree on what they share, and
the scripts install the locks (not the ranges)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PYTHONS = ("3.11", "3.12", "3.13", "3.14")


def declared(name: str) -> dict[str, Requirement]:
    """The ranges a .in file declares (following its -r includes), by canonical name."""
    out: dict[str, Requirement] = {}
    for raw in (ROOT / name).read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-c"):
            continue
        if line.startswith("-r"):
            out.update(declared(line[2:].strip()))
            continue
        req = Requirement(line)
        out[canonicalize_name(req.name)] = req
    return out


def locked(name: str) -> dict[str, list[tuple[Version, Marker | None, int]]]:
    """Pins of a lock: name -> [(version, marker, number of hashes)]."""
    text = (ROOT / name).read_text(encoding="utf-8")
    out: dict[str, list[tuple[Version, Marker | None, int]]] = {}
    # One entry = a "name==version [; marker] \" line and its "--hash=" continuation lines.
    for entry in re.split(r"\n(?=[A-Za-z0-9])", text):
        head = entry.split("\\", 1)[0].strip()
        if not head or head.startswith("#"):
            continue
        req = Requirement(head)
        (spec,) = req.specifier
        assert spec.operator == "==", f"{name}: {head} is not an exact pin"
        hashes = len(re.findall(r"--hash=sha256:[0-9a-f]{64}", entry))
        out.setdefault(canonicalize_name(req.name), []).append(
            (Version(spec.version), req.marker, hashes))
    return out


def pin_for(pins: list[tuple[Version, Marker | None, int]], python: str) -> Version | None:
    """The version pinned for a Linux machine with this Python, or None if none applies."""
    env = {"python_version": python, "python_full_version": python + ".0",
           "sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
           "implementation_name": "cpython", "platform_python_implementation": "CPython",
           "platform_machine": "x86_64"}
    chosen = [v for v, marker, _ in pins if marker is None or marker.evaluate(env)]
    assert len(chosen) <= 1, f"two pins apply on Python {python}: {chosen}"
    return chosen[0] if chosen else None


@pytest.mark.parametrize(("source", "lock"), [("requirements.in", "requirements.txt"),
                                              ("requirements-dev.in", "requirements-dev.txt")])
def test_every_declared_dependency_is_pinned_within_its_range(source: str, lock: str) -> None:
    ranges, pins = declared(source), locked(lock)
    assert len(ranges) >= 5
    for name, req in ranges.items():
        assert name in pins, f"{lock} does not pin {name} (declared in {source}): run scripts/lock"
        for python in PYTHONS:
            version = pin_for(pins[name], python)
            if req.marker is not None and not req.marker.evaluate({"python_version": python}):
                continue
            assert version is not None, f"{lock}: no pin of {name} for Python {python}"
            assert req.specifier.contains(version, prereleases=True), (
                f"{lock} pins {name}=={version} for Python {python}, outside {source}'s "
                f"'{req.specifier}': run scripts/lock")


@pytest.mark.parametrize("lock", ["requirements.txt", "requirements-dev.txt"])
def test_every_pin_carries_hashes(lock: str) -> None:
    pins = locked(lock)
    assert len(pins) >= 20  # streamlit alone brings about thirty packages
    for name, entries in pins.items():
        for version, _, hashes in entries:
            assert hashes >= 1, f"{lock}: {name}=={version} has no --hash"


def test_the_dev_lock_pins_the_apps_versions() -> None:
    """Tests run against exactly what the app serves with (-c requirements.txt)."""
    app, dev = locked("requirements.txt"), locked("requirements-dev.txt")
    for name, entries in app.items():
        assert name in dev, f"requirements-dev.txt lacks {name}"
        for python in PYTHONS:
            assert pin_for(dev[name], python) == pin_for(entries, python), (name, python)


def test_numpy_is_pinned_per_python() -> None:
    """numpy 2.5 needs Python 3.12: the universal lock gives 3.11 a 2.4 release."""
    pins = locked("requirements.txt")["numpy"]
    assert pin_for(pins, "3.11") < Version("2.5")
    assert pin_for(pins, "3.12") is not None


def test_the_scripts_install_the_locks() -> None:
    start = (ROOT / "scripts" / "start").read_text(encoding="utf-8")
    test = (ROOT / "scripts" / "test").read_text(encoding="utf-8")
    setup = (ROOT / "scripts" / "setup").read_text(encoding="utf-8")
    assert "setup requirements.txt" in start
    assert "setup requirements-dev.txt" in test
    assert "--require-hashes" in setup
    for script in (start, test, setup):
        assert "requirements.in" not in script and "requirements-dev.in" not in script
