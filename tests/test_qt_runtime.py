"""The Qt binding itself must be sound for a long session.

PySide6 6.12.0 on Python 3.11 released a reference to None (and True/False) on every
signal emit and every Python slot call; those objects are not immortal before Python
3.12, so the app aborted with "deallocating None" after about 5,000 calls: typing a
long comment was enough. pyproject.toml pins a version without the fault; this test
fails if a future version brings it back.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, QTimer, Signal


class _Source(QObject):
    plain = Signal()
    number = Signal(int)
    text = Signal(str)


def _drift(run) -> dict[str, int]:
    before = {name: sys.getrefcount(obj) for name, obj in _SINGLETONS.items()}
    run()
    return {name: sys.getrefcount(obj) - before[name] for name, obj in _SINGLETONS.items()}


_SINGLETONS = {"None": None, "True": True, "False": False}


def test_emitting_signals_to_python_slots_keeps_none_true_and_false_alive(qapp):
    source = _Source()
    calls = []
    source.plain.connect(lambda: calls.append(1))
    source.number.connect(lambda n: None)
    source.text.connect(lambda s: None)

    def emit_many() -> None:
        for n in range(500):
            source.plain.emit()
            source.number.emit(n)
            source.text.emit("typed")

    drift = _drift(emit_many)
    assert len(calls) == 500
    # A sound binding leaves them where they were (give or take a few for caches).
    assert all(abs(d) < 50 for d in drift.values()), drift


def test_a_timer_driving_a_python_slot_for_a_long_time_is_safe(qapp):
    ticks = []
    timer = QTimer()
    timer.setInterval(0)
    timer.timeout.connect(lambda: ticks.append(1))

    def run() -> None:
        timer.start()
        while len(ticks) < 500:
            qapp.processEvents()
        timer.stop()

    drift = _drift(run)
    assert all(abs(d) < 50 for d in drift.values()), drift
