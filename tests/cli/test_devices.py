import pytest

from deescalate.cli.main import EXIT_OK, main

pytestmark = pytest.mark.pulse


def test_devices_marks_monitors_for_the_customer(pulse, capsys):
    pulse.add_sink("headset_out")
    try:
        assert main(["devices"]) == EXIT_OK
        out = capsys.readouterr().out
    finally:
        pulse.remove_sink("headset_out")
    line = next(line for line in out.splitlines() if line.startswith("headset_out.monitor"))
    assert "monitor of headset_out" in line and "--customer" in line
