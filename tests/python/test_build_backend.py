"""The in-tree PEP 517 backend (python/build_backend): no build requirements, a standard
wheel whose RECORD hashes its files, an sdist that holds what a build reads."""

import base64
import hashlib
import os
import sys
import tarfile
import zipfile

import pytest

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(SOURCE_DIR, "python", "build_backend"))
import comity_build  # noqa: E402


def test_nothing_to_download():
    assert comity_build.get_requires_for_build_wheel() == []
    assert comity_build.get_requires_for_build_sdist() == []
    with open(os.path.join(SOURCE_DIR, "pyproject.toml")) as f:
        assert "requires = []" in f.read()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    directory = tmp_path_factory.mktemp("wheel")
    name = comity_build.build_wheel(str(directory))
    return directory / name


def test_the_wheel_is_tagged_for_this_interpreter(wheel):
    tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
    assert wheel.name.startswith(f"comity-{comity_build.VERSION}-{tag}-{tag}")
    with zipfile.ZipFile(wheel) as z:
        meta = z.read(f"{comity_build.DIST_INFO}/WHEEL").decode()
        metadata = z.read(f"{comity_build.DIST_INFO}/METADATA").decode()
    assert "Root-Is-Purelib: false" in meta
    assert f"Tag: {wheel.name[:-4].split('-', 2)[2]}" in meta
    assert "Name: comity" in metadata and f"Version: {comity_build.VERSION}" in metadata


def test_record_hashes_every_file(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        record = z.read(f"{comity_build.DIST_INFO}/RECORD").decode().splitlines()
        listed = set()
        for line in record:
            name, digest, size = line.rsplit(",", 2)
            listed.add(name)
            if name.endswith("/RECORD"):
                assert digest == "" and size == ""
                continue
            data = z.read(name)
            algorithm, value = digest.split("=", 1)
            assert algorithm == "sha256"
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            assert value == expected.decode(), name
            assert int(size) == len(data), name
    assert listed == names
    assert "comity/__init__.py" in names and "comity/__main__.py" in names
    assert "comity/models/comity-2.cmodel" in names
    assert any(n.startswith("comity/_comity.") and n.endswith(".so") for n in names)


def test_the_sdist_holds_the_build_inputs(tmp_path):
    name = comity_build.build_sdist(str(tmp_path))
    with tarfile.open(tmp_path / name) as tar:
        names = set(tar.getnames())
    top = f"comity-{comity_build.VERSION}"
    for required in ("pyproject.toml", "CMakeLists.txt", "PKG-INFO", "python/comity_module.cpp",
                     "tools/comity/cmd_score.cpp", "models/comity-2.cmodel", "docs/python.md"):
        assert f"{top}/{required}" in names, required
    assert not any("__pycache__" in n for n in names)
