"""api/allocator.py on this machine's glibc: a thread's freed memory, held in its arena between live blocks, goes back
to the system when the server releases it after a write, and the arena limit is accepted."""

from __future__ import annotations

import subprocess
import sys

import pytest

from api import allocator

pytestmark = pytest.mark.skipif(allocator._LIBC is None, reason="glibc only: elsewhere the allocator calls do nothing")

# In a fresh interpreter: a thread allocates 128 MiB in 1 KiB blocks (malloc's, not Python's small-object pool) and
# frees all but one block in 64, so no free stretch reaches the top of its arena for free() to trim on its own.
SCRIPT = """
import threading
from api.allocator import release_free_memory

def resident_mib():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) // 1024 for line in status if line.startswith("RssAnon"))

kept = []
def churn():
    blocks = [bytearray(1024) for _ in range(128 * 1024)]
    kept.extend(blocks[::64])

thread = threading.Thread(target=churn)
thread.start()
thread.join()
held = resident_mib()
released = release_free_memory()
print(held, resident_mib(), released, len(kept))
"""


def test_free_memory_between_live_blocks_goes_back_to_the_system() -> None:
    answer = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True, timeout=120)
    held, after, released, kept = answer.stdout.split()
    assert released == "True" and int(kept) == 2048
    assert int(held) - int(after) > 64, answer.stdout  # most of the 126 MiB freed was still resident until then


def test_the_arena_limit_is_accepted() -> None:
    answer = subprocess.run([sys.executable, "-c", "from api.allocator import limit_arenas; print(limit_arenas(2), "
                             "limit_arenas(0))"], capture_output=True, text=True, check=True, timeout=60)
    assert answer.stdout.split() == ["True", "False"]  # 0 leaves glibc's default alone
