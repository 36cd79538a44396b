"""Search: everything that knows Whoosh or haystack lives in this package.

Pages call archive.search.service.search(); the engine behind it is chosen by SEARCH_URL.
"""
