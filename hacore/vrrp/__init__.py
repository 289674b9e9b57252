"""The VRRP speaker: codec, timers and state machine as pure code (this package's modules
except the drivers); raw sockets, addresses and scripts in the I/O layer."""
