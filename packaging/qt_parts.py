"""The parts of Qt the overlay uses, shared by the bundle (deescalate.spec) and the runtime
venv (slim_qt.py), so both keep the same things."""

# Python modules the app imports, plus QtTest, which pytest-qt imports in the test venv.
QT_MODULES_KEPT = ("QtCore", "QtGui", "QtWidgets", "QtTest")

# Qt plugins kept: the X11 platform (and offscreen, for headless checks and tests), its GL
# integrations, input methods for typing in the settings dialog (not the
# on-screen keyboard, which needs Qt Quick), and styles. Nothing else:
# on a Wayland desktop Qt falls back to X11 (XWayland), which the always-on-top overlay and
# its global shortcuts need anyway.
QT_PLUGINS_KEPT = (
    "platforms/libqxcb",
    "platforms/libqoffscreen",
    "platforms/qwindows",
    "platforms/qoffscreen",
    "xcbglintegrations/",
    "platforminputcontexts/libcompose",
    "platforminputcontexts/libibus",
    "styles/",
)
