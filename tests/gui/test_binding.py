"""PySide6 6.12.0 on Python 3.11 drops a reference to None on every call of a method that
returns nothing, and the app aborts ("deallocating None") after some thousands of window
updates. This guards the pinned binding against it."""

import sys

from deescalate.ui.qt import QLabel


def test_void_calls_do_not_eat_references_to_none(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(2000):
        label.setText("calm")
        label.setVisible(False)
    assert sys.getrefcount(None) - before > -100
