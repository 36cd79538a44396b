"""What an engine cannot do is answered 501 with its reason, on every page, never a 500."""

from django.http import HttpResponse

from archive.search.errors import NotSupported


class NotSupportedMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotSupported):
            message = f"The search engine this archive uses cannot do this: {exception}\n"
            return HttpResponse(message, status=501, content_type="text/plain; charset=utf-8")
        return None
