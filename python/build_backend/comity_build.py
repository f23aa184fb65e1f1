"""In-tree PEP 517 backend for `pip install .`: builds the extension with CMake for the
interpreter running pip and writes the wheel itself.

Why not setuptools or scikit-build: pip's build isolation would download them from PyPI,
and the install must work offline on Debian 12 with only the packages
scripts/install-deps.sh installs. Everything here is the standard library.

Environment: COMITY_BUILD_JOBS (parallel compile jobs, default: all cores),
COMITY_PYTHON_BUILD_DIR (the CMake build directory, default: build/python/<interpreter>).
"""

import base64
import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NAME = "comity"
# The package's version is the C++ project's (CMakeLists.txt `project(... VERSION ...)`).
VERSION = next(line.split("VERSION")[1].split()[0]
               for line in (ROOT / "CMakeLists.txt").read_text().splitlines()
               if line.startswith("project("))
DIST_INFO = f"{NAME}-{VERSION}.dist-info"
# The bundled model and its card travel inside the package, so `comity.score` works
# without the source tree.
PACKAGE_DATA = ["models/comity-2.cmodel", "models/comity-2.md"]


def _base_interpreter():
    # A venv's python is a link to its base; key the build on the base so every venv of
    # one Python shares a build, and two Pythons (Debian's, pyenv's) never share one.
    return os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)


def _build_dir():
    if os.environ.get("COMITY_PYTHON_BUILD_DIR"):
        return Path(os.environ["COMITY_PYTHON_BUILD_DIR"]).resolve()
    key = hashlib.sha1(_base_interpreter().encode()).hexdigest()[:8]
    return ROOT / "build" / "python" / f"{sys.implementation.cache_tag}-{key}"


def _tag():
    interpreter = f"cp{sys.version_info.major}{sys.version_info.minor}"
    abi = interpreter + sys.abiflags
    platform = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    return f"{interpreter}-{abi}-{platform}"


def _metadata():
    readme = (ROOT / "docs" / "python.md").read_text(encoding="utf-8")
    return (
        "Metadata-Version: 2.1\n"
        f"Name: {NAME}\n"
        f"Version: {VERSION}\n"
        "Summary: Self-hosted comment-toxicity scoring (Perspective API attributes), in-process\n"
        "License: see the repository\n"
        "Requires-Python: >=3.9\n"
        "Description-Content-Type: text/markdown\n"
        "\n" + readme)


def _wheel_file():
    return ("Wheel-Version: 1.0\n"
            "Generator: comity_build\n"
            "Root-Is-Purelib: false\n"
            f"Tag: {_tag()}\n")


def _compile():
    """Configures and builds the _comity target; returns the built module's path."""
    build = _build_dir()
    jobs = os.environ.get("COMITY_BUILD_JOBS") or str(os.cpu_count() or 1)
    # Configured every time (a second or two): a reused directory gets these options.
    subprocess.run(
        ["cmake", "-S", str(ROOT), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
         "-DCMAKE_POSITION_INDEPENDENT_CODE=ON", "-DCOMITY_SERVER=OFF", "-DCOMITY_BENCH=OFF",
         "-DCOMITY_TESTS=OFF", "-DCOMITY_PYTHON=ON", f"-DPython_EXECUTABLE={_base_interpreter()}"],
        check=True, stdout=sys.stderr)
    subprocess.run(["cmake", "--build", str(build), "--target", "_comity", "-j", jobs],
                   check=True, stdout=sys.stderr)
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    module = build / "python" / f"_comity{suffix}"
    if not module.exists():
        raise RuntimeError(f"comity build: {module} was not built")
    return module


def _record_line(arcname, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{arcname},sha256={digest},{len(data)}"


def _write_wheel(path, files):
    """`files`: (name inside the wheel, bytes) pairs; adds RECORD, hashing each."""
    record = [_record_line(name, data) for name, data in files]
    record.append(f"{DIST_INFO}/RECORD,,")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as wheel:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(info, data)
        wheel.writestr(f"{DIST_INFO}/RECORD", "\n".join(record) + "\n")


# What building the package reads (COMITY_TESTS, COMITY_BENCH and COMITY_FUZZ are off):
# an sdist of these builds a wheel as the repository does.
SDIST_PATHS = ["CMakeLists.txt", "pyproject.toml", "README.md", "include", "src", "tools", "python",
               "docs/python.md"] + PACKAGE_DATA


def _sdist_files():
    for relative in SDIST_PATHS:
        path = ROOT / relative
        if path.is_file():
            yield path
            continue
        for found in sorted(path.rglob("*")):
            if found.is_file() and "__pycache__" not in found.parts:
                yield found


# --- PEP 517 hooks ------------------------------------------------------------------

def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    target = Path(metadata_directory) / DIST_INFO
    target.mkdir(parents=True, exist_ok=True)
    (target / "METADATA").write_text(_metadata(), encoding="utf-8")
    (target / "WHEEL").write_text(_wheel_file(), encoding="utf-8")
    (target / "top_level.txt").write_text(NAME + "\n", encoding="utf-8")
    return DIST_INFO


def get_requires_for_build_sdist(config_settings=None):
    return []


def build_sdist(sdist_directory, config_settings=None):
    import tarfile

    top = f"{NAME}-{VERSION}"
    name = f"{top}.tar.gz"
    Path(sdist_directory).mkdir(parents=True, exist_ok=True)
    pkg_info = _metadata().encode()
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for path in _sdist_files():
            info = tar.gettarinfo(str(path), arcname=f"{top}/{path.relative_to(ROOT)}")
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mtime = 1577836800  # 2020-01-01: the same tree, the same archive
            with open(path, "rb") as f:
                tar.addfile(info, f)
        info = tarfile.TarInfo(f"{top}/PKG-INFO")
        info.size, info.mtime, info.mode = len(pkg_info), 1577836800, 0o644
        tar.addfile(info, __import__("io").BytesIO(pkg_info))
    return name


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    module = _compile()
    files = []
    for source in sorted((ROOT / "python" / NAME).glob("*.py")):
        files.append((f"{NAME}/{source.name}", source.read_bytes()))
    files.append((f"{NAME}/{module.name}", module.read_bytes()))
    for relative in PACKAGE_DATA:
        files.append((f"{NAME}/{relative}", (ROOT / relative).read_bytes()))
    files.append((f"{DIST_INFO}/METADATA", _metadata().encode()))
    files.append((f"{DIST_INFO}/WHEEL", _wheel_file().encode()))
    files.append((f"{DIST_INFO}/top_level.txt", (NAME + "\n").encode()))
    name = f"{NAME}-{VERSION}-{_tag()}.whl"
    Path(wheel_directory).mkdir(parents=True, exist_ok=True)
    # Written beside and renamed, so an interrupted build leaves no half wheel behind.
    with tempfile.NamedTemporaryFile(dir=wheel_directory, suffix=".part", delete=False) as tmp:
        partial = tmp.name
    try:
        _write_wheel(partial, files)
        shutil.move(partial, os.path.join(wheel_directory, name))
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    return name
