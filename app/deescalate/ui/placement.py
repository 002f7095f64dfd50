"""Where the app's dialogs open: beside the overlay, never under it.

The overlay stays on top of every window, so a dialog that opened where the window manager
likes (the middle of the screen) could be hidden behind it. A dialog is placed next to the
overlay on the same screen: on the side with room (left, right, below, above), else where
it overlaps least; it is also kept above the overlay (a transient window of its own and on
top), so whatever part still overlaps is the dialog's.
"""

from __future__ import annotations

from deescalate.ui.qt import QGuiApplication, QPoint, QRect, Qt, QWidget

GAP = 12


def show_beside_overlay(dialog: QWidget, overlay: QWidget) -> None:
    """Shows the dialog next to the overlay and above it: on top like the overlay, and its
    transient window. (Not its child widget: the overlay's dark style would apply to it.)"""
    dialog.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
    dialog.winId()  # its native window, to name the overlay's as its transient parent
    if dialog.windowHandle() is not None and overlay.windowHandle() is not None:
        dialog.windowHandle().setTransientParent(overlay.windowHandle())
    place_beside(dialog, overlay)
    dialog.show()
    place_beside(dialog, overlay)  # again, now that the window manager's frame is known
    dialog.raise_()


def place_beside(dialog: QWidget, overlay: QWidget) -> None:
    """Moves the (shown or about to be shown) dialog next to the overlay, on its screen."""
    dialog.adjustSize()
    beside = overlay.frameGeometry()
    screen = QGuiApplication.screenAt(beside.center()) or QGuiApplication.primaryScreen()
    area = screen.availableGeometry()
    size = dialog.frameGeometry().size().expandedTo(dialog.size())
    candidates = [
        QPoint(beside.left() - GAP - size.width(), beside.top()),
        QPoint(beside.right() + GAP, beside.top()),
        QPoint(beside.right() - size.width(), beside.bottom() + GAP),
        QPoint(beside.right() - size.width(), beside.top() - GAP - size.height()),
    ]
    placed = [_inside(QRect(point, size), area) for point in candidates]
    best = min(placed, key=lambda rect: _overlap(rect, beside))
    dialog.move(best.topLeft())


def _inside(rect: QRect, area: QRect) -> QRect:
    x = min(max(rect.left(), area.left()), area.right() - rect.width() + 1)
    y = min(max(rect.top(), area.top()), area.bottom() - rect.height() + 1)
    return QRect(QPoint(max(x, area.left()), max(y, area.top())), rect.size())


def _overlap(rect: QRect, other: QRect) -> int:
    common = rect.intersected(other)
    return common.width() * common.height() if common.isValid() else 0
