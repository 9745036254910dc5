"""Run one action in N real threads at once (race tests, ARCHITECTURE.md):
every thread waits at a barrier, then acts; each closes its connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection

from bianzhi.core.errors import ApplicationError


@dataclass
class RaceResult:
    won: list[int] = field(default_factory=list)  # thread indexes that succeeded
    refused: list[str] = field(default_factory=list)  # their ApplicationError codes
    failures: list[BaseException] = field(default_factory=list)  # anything else


def race(n: int, action: Callable[[int], object]) -> RaceResult:
    result = RaceResult()
    barrier = threading.Barrier(n)

    def worker(index: int) -> None:
        try:
            barrier.wait()
            action(index)
            result.won.append(index)
        except ApplicationError as exc:
            result.refused.append(exc.code)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            result.failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return result
