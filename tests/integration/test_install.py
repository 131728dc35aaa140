"""Issue 14, packaging: `make install` with PREFIX and DESTDIR puts the binary, the example
configuration and a systemd unit that starts and reloads that binary with that file."""

import os
import subprocess

from harness import REPO


def make_install(dest, prefix="/usr"):
    subprocess.run(["make", "-s", "install", f"DESTDIR={dest}", f"PREFIX={prefix}"], cwd=REPO,
                   check=True, capture_output=True)


def test_make_install_puts_binary_config_and_unit(tmp_path):
    make_install(tmp_path)
    binary = tmp_path / "usr/bin/tombstone"
    unit = (tmp_path / "usr/lib/systemd/system/tombstone.service").read_text()
    assert os.access(binary, os.X_OK)
    assert subprocess.run([binary, "--version"], capture_output=True, text=True,
                          check=True).stdout.startswith("tombstone ")
    assert "ExecStart=/usr/bin/tombstone serve -c /etc/tombstone/tombstone.ini" in unit
    assert "ExecReload=/bin/kill -HUP $MAINPID" in unit
    assert (tmp_path / "etc/tombstone/tombstone.ini.example").exists()
    # a second install (an upgrade) keeps the configuration one changed
    config = tmp_path / "etc/tombstone/tombstone.ini"
    config.write_text("[databases]\nmine = port=5432\n")
    make_install(tmp_path)
    assert config.read_text() == "[databases]\nmine = port=5432\n"


def test_make_install_under_another_prefix(tmp_path):
    make_install(tmp_path, prefix="/opt/tombstone")
    unit = (tmp_path / "opt/tombstone/lib/systemd/system/tombstone.service").read_text()
    assert "ExecStart=/opt/tombstone/bin/tombstone serve -c /opt/tombstone/etc/tombstone/" in unit
    assert (tmp_path / "opt/tombstone/etc/tombstone/tombstone.ini").exists()
