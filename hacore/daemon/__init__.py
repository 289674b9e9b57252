"""The running daemon: process lifecycle, signals, systemd notification."""
