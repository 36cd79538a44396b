"""Who is asking: the client address that rate limits and sign-in throttling count against."""

from django.conf import settings


def client_ip(request):
    """REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the address the outermost one saw.

    Only the hops our own proxies appended are trusted; anything further left in
    X-Forwarded-For was written by the client and could be forged to dodge a limit.
    """
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None  # None, not a made-up string: axes stores it as an IP
