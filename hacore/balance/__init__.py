"""Server selection inside a backend, as pure code with HAProxy 2.6's exact choices.

One algorithm per module behind one interface (`base.Balancer`), as HAProxy splits lb_*.c;
`pool.ServerPool` keeps active and backup servers apart and asks the right group; `keys`
computes the hash keys of `source` and `uri`. Nothing here knows about sockets or time.
"""
