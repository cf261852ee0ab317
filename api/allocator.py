"""The C allocator of the serving process (glibc's malloc): fewer arenas, and free memory handed back after writes.

Over feed reloads the memory the server's allocations hold levels off (about 200 MB in use after two reloads of the
bundled data), while the free memory glibc keeps in its arenas goes on growing (75 MB after the first reload, 345 MB
after the seventh: ``docs/scaling.md``): a write's parsing, RocksDB batches and recomputations allocate and free
hundreds of MB in whichever thread runs them, each thread's arena keeps its own high-water mark, and pages with any
live block in them stay. So the server limits the arenas (``malloc_arena_max``) and, after each write is published,
asks glibc to return the free pages (``malloc_trim``, milliseconds). Elsewhere (musl, macOS) both do nothing.
"""

from __future__ import annotations

import ctypes
import platform

M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's malloc.h


def _glibc() -> ctypes.CDLL | None:
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


_LIBC = _glibc()


def limit_arenas(count: int) -> bool:
    """At most ``count`` malloc arenas from now on (call before threads start; 0: glibc's default, eight per core).
    Whether the limit was set."""
    return _LIBC is not None and count > 0 and bool(_LIBC.mallopt(M_ARENA_MAX, count))


def release_free_memory() -> bool:
    """Returns the whole free pages of every arena to the system; whether any memory was released."""
    return _LIBC is not None and bool(_LIBC.malloc_trim(0))
