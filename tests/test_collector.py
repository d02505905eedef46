"""The cycle collector is paused around bulk work and always comes back on."""

from __future__ import annotations

import gc
import sys
import threading

from portal.collector import paused_garbage_collection


def test_nested_and_concurrent_pauses_turn_the_collector_back_on() -> None:
    assert gc.isenabled()
    with paused_garbage_collection():
        assert not gc.isenabled()
        with paused_garbage_collection():
            assert not gc.isenabled()
        assert not gc.isenabled(), "the outer pause is still running"
    assert gc.isenabled()

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # make the threads interleave as much as they can
    try:

        def work() -> None:
            for _ in range(2000):
                with paused_garbage_collection():
                    pass

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert gc.isenabled()


def test_an_error_inside_a_pause_turns_it_back_on() -> None:
    try:
        with paused_garbage_collection():
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert gc.isenabled()
