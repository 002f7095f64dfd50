"""The Qt layer only: the overlay window, the tray, and the bridge from the core's events."""
