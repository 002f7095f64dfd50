"""The Qt layer only: the overlay window, its menu and tray, the settings dialog and the
incident form, over the session (every Qt import goes through qt.py)."""
