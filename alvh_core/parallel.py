"""How ``compare`` uses the machine's cores.

BLAS threads. NumPy and SciPy each load an OpenBLAS that starts one thread per core and uses them for
small products too. ``compare``'s linear algebra is small (the anchor's L-BFGS-B on a ~10 x 150 system,
321 x 321 matrix-vector steps), so those threads only wait on each other: on the 2-core desk box with
other work running, the anchor's fit took 0.7-9 s a call with 2 BLAS threads against 0.13-0.19 s with one
(issue 16, measured side by side). :func:`one_blas_thread` limits BLAS to one thread inside ``compare``
(``threadpoolctl``; a no-op without it). Chunks of paths run one after another on one core: two threads
valuing chunks took 2.0x the wall time of one (40,000 paths x 90 days; the ALVH day loop holds the GIL).
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """BLAS (OpenBLAS / MKL of numpy and scipy) runs single-threaded inside the block, restored after."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency; without it BLAS keeps its threads
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _libc_trim():  # noqa: ANN202 - a ctypes function or None
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to do
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


_TRIM: list = []


def release_free_memory() -> None:
    """Hand the allocator's free pages back to the system (glibc ``malloc_trim``; a no-op elsewhere).

    After a long ``compare`` (issue 16): numpy's large temporaries come from the heap once glibc's dynamic mmap
    threshold has risen, and the freed pages stay resident (100,000 paths x 90 days: 320 MB resident after the
    run, 224 MB with this)."""
    if not _TRIM:
        _TRIM.append(_libc_trim())
    if _TRIM[0] is not None:
        _TRIM[0](0)
