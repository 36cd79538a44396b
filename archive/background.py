"""The loop of the archive's background commands (run_indexer, run_embedder)."""

import logging
import time

log = logging.getLogger(__name__)


def poll(step, interval, once=False, what="background work"):
    """Call `step` every `interval` seconds (once, with once=True); a failure is logged and the
    next round tries again, so a database or index that is down for a while stops nothing."""
    while True:
        try:
            step()
        except Exception:
            log.warning("%s failed; will retry", what, exc_info=True)
        if once:
            return
        time.sleep(interval)
