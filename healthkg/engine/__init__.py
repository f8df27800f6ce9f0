"""The engine: the one process that owns the pyoxigraph store, and its supervision.

HTTP workers never open the store; they send requests over a Unix socket to the engine
(``healthkg.store.engine.EngineStore``), which evaluates them on a thread pool (pyoxigraph
releases the GIL while it evaluates, so threads use every core). A query past its deadline
is stopped by killing the engine; the supervisor restarts it at once.
"""

#: Threads per HTTP worker: a worker mostly waits for the engine, so a few threads let a
#: slow query occupy one thread rather than a whole worker.
THREADS_PER_WORKER = 4
