"""The on-disk kernel cache: generated modules keyed by a hash of their source and of the
versions that compiled them, plus Numba's own cache of their machine code beside them.

The directory is $RNNGRAPH_CACHE_DIR, else $XDG_CACHE_HOME/rnngraph, else ~/.cache/rnngraph.
Modules are written atomically (temporary file, rename), so a crashed process never leaves
a half-written entry under the final name; and every load compares the file with the source
it must hold (rewriting it if it differs), which also catches a file that a power loss cut
short, so the write needs no fsync (that cost 14 ms per new module, a sixth of compiling a
small program). An entry that fails to load (truncated, corrupt, or compiled by other
versions) is deleted and rebuilt, never a failed run.
"""
import hashlib
import importlib.util
import os
import sys
import tempfile

import llvmlite
import numba
import numpy as np

import rnngraph

from . import omp_parts

# The modules whose code a cached program embeds or depends on without naming them in its
# source: kernels and panels (Numba links their code into it), native_call (how the
# program calls its outlined functions, and the slot table it leaves in Numba's cache),
# borrowed_arguments (how its code counts references) and omp_parts (the code its
# intrinsic generates in the caller).
EMBEDDED_SOURCES = ("kernels.py", "panels.py", "native_call.py", "borrowed_arguments.py", "omp_parts.py")


def _kernels_digest():
    """A hash of EMBEDDED_SOURCES: a program cached before one of them changed must not be
    reused, even where the package's version number did not change (an editable install)."""
    digest = hashlib.sha256()
    for name in EMBEDDED_SOURCES:
        with open(os.path.join(os.path.dirname(__file__), name), "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()[:16]


# omp_parts.LAUNCH: how the code starts threads (a process where it differs, e.g. run
# with one thread, must not load code that calls symbols it never registered).
VERSION_KEY = "numba=%s llvmlite=%s numpy=%s rnngraph=%s python=%s kernels=%s threads=%s" % (
    numba.__version__, llvmlite.__version__, np.__version__, rnngraph.__version__,
    sys.version.split()[0], _kernels_digest(), omp_parts.LAUNCH)


def cache_dir():
    path = os.environ.get("RNNGRAPH_CACHE_DIR")
    if not path:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        path = os.path.join(base, "rnngraph")
    os.makedirs(path, exist_ok=True)
    return path


def module_name(source):
    digest = hashlib.sha256((VERSION_KEY + "\n" + source).encode()).hexdigest()[:24]
    return "rg_" + digest


def _write_atomic(path, text):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp_", suffix=".py")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _read(path):
    with open(path) as f:
        return f.read()


def _forget(directory, name):
    """Delete a cache entry: the module and Numba's index/data files for it."""
    for root in (directory, os.path.join(directory, "__pycache__")):
        if not os.path.isdir(root):
            continue
        for f in os.listdir(root):
            if f.startswith(name + ".") or f.startswith(name + "-"):
                try:
                    os.unlink(os.path.join(root, f))
                except OSError:
                    pass
    sys.modules.pop(name, None)


def forget_compiled(sources):
    """Drop the cache entries of `sources` (a program and the functions it calls) and the
    kernels' Numba cache files (called when loading machine code failed, e.g. a corrupt
    index), so the next load compiles afresh."""
    for source in sources:
        _forget(cache_dir(), module_name(source))
    kernel_cache = os.path.join(os.path.dirname(os.path.abspath(__file__)), "__pycache__")
    if os.path.isdir(kernel_cache):
        for f in os.listdir(kernel_cache):
            if f.startswith("kernels.") and f.endswith((".nbi", ".nbc")):
                try:
                    os.unlink(os.path.join(kernel_cache, f))
                except OSError:
                    pass


def generated(name):
    """The generated module `name` of the cache directory (imported once per process).
    Generated modules import the outlined functions they call through this."""
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, os.path.join(cache_dir(), name + ".py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[name] = module
    return module


def _write(source):
    """Write `source` under its cache name unless it is there already; returns the path."""
    path = os.path.join(cache_dir(), module_name(source) + ".py")
    if not os.path.exists(path) or _read(path) != source:
        _write_atomic(path, source)
    return path


def load(source, entry="program", callees=()):
    """The compiled `entry` function of `source` (imported from the cache, written if new),
    after writing the sources of the generated modules it imports (`callees`).

    Returns (function, path of the module).
    """
    directory = cache_dir()
    name = module_name(source)
    for attempt in (1, 2):
        try:
            for callee in callees:
                _write(callee)
            path = _write(source)
            return getattr(generated(name), entry), path
        except (SyntaxError, ImportError, EOFError, OSError, ValueError, AttributeError):
            if attempt == 2:
                raise
            for text in (source,) + tuple(callees):
                _forget(directory, module_name(text))
