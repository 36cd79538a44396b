"""What gunicorn's master does once the app is loaded, before it forks the web workers.

The benchmarks call the same functions before they time the view in their own process,
so what they measure is what a worker gets (config/gunicorn.conf.py calls them in its
hooks).
"""

import gc


def warm_ingest(log):
    """Load lingua's language models (about 4 s and 400 MB) and build the actor tagger before the
    workers fork, so "Add article from text" answers in a second in every worker from the first paste."""
    try:
        from django.db import connections

        from archive.ingest.language import preload_models
        from archive.ingest.tagging import current_tagger

        preload_models()
        tagger = current_tagger()
        tagger.automaton(True), tagger.automaton(False)
        connections.close_all()  # no connection may be shared with the forked workers
    except Exception:
        log.warning("could not warm up the ingest tools; the first paste in each worker will", exc_info=True)


def freeze_loaded_objects():
    """Exempt everything loaded so far from the cyclic garbage collector, and turn it on.

    The app, Django and the warmed-up tools are a few hundred thousand objects that live as
    long as the process. Left in the collector's oldest generation, every full collection
    in a worker walks them all: ~100 ms in the middle of some request (measured at 100,000
    articles; ~6 ms once frozen), and the walk writes to their reference counts, which
    copies the pages the workers would share with the master. Collected once first, so no
    garbage is frozen with them (Python's gc.freeze documentation: disable the collector
    early in the parent, freeze right before fork)."""
    gc.collect()
    gc.freeze()
    gc.enable()
