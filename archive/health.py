"""/healthz: 200 when the database and the search index both answer, 503 (with the reason) when not."""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from archive.models import IndexTask
from archive.search.health import index_status


def database_status():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True, {"queued_index_changes": IndexTask.objects.count()}
    except Exception as error:
        return False, {"error": f"{type(error).__name__}: {error}"[:300]}


@never_cache
def healthz(request):
    database_ok, database = database_status()
    index_ok, index = index_status()
    healthy = database_ok and index_ok
    body = {"status": "ok" if healthy else "unavailable", "database": database, "index": index}
    return JsonResponse(body, status=200 if healthy else 503)
