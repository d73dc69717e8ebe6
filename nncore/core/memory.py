"""Giving memory back to the system in a long-lived server (glibc and Linux only).

A Streamlit server is one process that every user shares for days. Three things
keep its resident memory high after the work that needed it has ended:

- glibc keeps freed heap memory in the process (``return_freed_memory`` trims it);
- glibc gives each thread that allocates its own heap ("arena") of up to 64 MB,
  and TensorFlow starts a thread pool (``limit_malloc_arenas`` caps their number);
- loading TensorFlow touches about 400 MB of its libraries' code and read-only data
  (static initialisers register every kernel of every operation), which then stay
  mapped into the process although training needs a small part of it
  (``release_library_pages`` unmaps the pages of them that are plain copies of
  the file; the kernel reads back the few that are used again, from its cache).

Each is a no-op where the system does not offer it (macOS, Windows, musl).

Example:
    >>> limit_malloc_arenas()
    >>> return_freed_memory()
    >>> release_library_pages() >= 0
    True
"""

from __future__ import annotations

import contextlib
import ctypes
import os
from pathlib import Path

__all__ = ["limit_malloc_arenas", "release_library_pages", "return_freed_memory"]

# mallopt's parameter for the most arenas (glibc's malloc.h).
M_ARENA_MAX = -8
# madvise's "drop these pages": for a private file mapping whose pages were never
# written, the next read maps the file's page again, with the same contents.
MADV_DONTNEED = 4
# Mappings with less resident than this are left alone: small libraries are cheap,
# and the hot ones (Python's, libc) would only be read back at once.
MIN_LIBRARY_MB = 2.0


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:  # not glibc: nothing to do
        return None


def return_freed_memory() -> None:
    """Hand freed heap memory back to the operating system (glibc's malloc_trim).

    Reading a large file or ending a training frees memory that glibc would
    otherwise keep in the process, where later work (and other sessions) cannot
    count on it.
    """
    libc = _libc()
    with contextlib.suppress(AttributeError):
        if libc is not None:
            libc.malloc_trim(0)


def limit_malloc_arenas(arenas: int | None = None) -> None:
    """Cap how many heaps glibc's malloc keeps for threads, process-wide.

    glibc allows eight per core; each thread that allocates can get one, and each
    keeps its freed memory. Threads then share the ones that exist. Call it early,
    before TensorFlow starts its thread pools: arenas already made are kept.

    Args:
        arenas: the most arenas. Default: None, the number of cores (at least 2),
            so threads that train at once on different cores need not wait for
            each other.
    """
    libc = _libc()
    if libc is None:
        return
    count = arenas if arenas is not None else max(2, os.cpu_count() or 1)
    with contextlib.suppress(AttributeError):
        libc.mallopt(M_ARENA_MAX, int(count))


def release_library_pages(min_mb: float = MIN_LIBRARY_MB) -> float:
    """Unmap the resident pages of loaded libraries that are copies of their file.

    Only read-only, private mappings of shared libraries (``.so`` files) in which
    no page was ever written are released: each page there is the file's, and the
    next read maps it again from the kernel's cache, the same to the bit. Mappings
    with a written page (relocated data) are kept whole. Nothing changes but the
    resident memory, and the first use of released code afterwards costs a page
    fault (microseconds).

    Args:
        min_mb: leave mappings with less resident than this alone. Default: 2.0.

    Returns:
        The megabytes released (0.0 where the system has no ``/proc/self/smaps``).
    """
    libc = _libc()
    try:
        text = Path("/proc/self/smaps").read_text()
    except OSError:
        return 0.0
    if libc is None:
        return 0.0
    released = 0
    for start, end, resident in _clean_library_mappings(text, int(min_mb * 1024)):
        size = ctypes.c_size_t(end - start)
        if libc.madvise(ctypes.c_void_p(start), size, MADV_DONTNEED) == 0:
            released += resident
    return released / 1024


def _clean_library_mappings(smaps: str, min_kb: int) -> list[tuple[int, int, int]]:
    """(start, end, resident kB) of each read-only private library mapping of
    ``smaps`` with at least ``min_kb`` resident and no written (anonymous) page."""
    mappings = []  # [start, end, releasable, resident kB, anonymous kB]
    for line in smaps.splitlines():
        parts = line.split()
        if len(parts) >= 5 and not parts[0].endswith(":"):  # a mapping's header
            start, _, end = parts[0].partition("-")
            mappings.append([int(start, 16), int(end, 16), _releasable(parts), 0, 0])
        elif mappings and parts[:1] == ["Rss:"]:
            mappings[-1][3] = int(parts[1])
        elif mappings and parts[:1] == ["Anonymous:"]:
            mappings[-1][4] = int(parts[1])
    return [
        (start, end, resident)
        for start, end, releasable, resident, anonymous in mappings
        if releasable and anonymous == 0 and resident >= min_kb
    ]


def _releasable(header: list[str]) -> bool:
    """Whether a mapping (its smaps header, split) is a read-only private mapping
    of a shared library file that still exists."""
    perms, path = header[1], " ".join(header[5:])
    name = Path(path).name
    return (
        perms[1] == "-"
        and perms[3] == "p"
        and path.startswith("/")
        and not path.endswith("(deleted)")
        and (name.endswith(".so") or ".so." in name)
    )
