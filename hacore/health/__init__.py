"""Health checks: the pure check state (HAProxy's rise/fall counter), the check schedule, and
the wording of transitions; the probes that talk to servers live in the I/O layer."""
