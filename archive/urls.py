from django.urls import path

from archive import feeds, output_views, views

app_name = "archive"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("search/", views.search_view, name="search"),
    path("articles/<int:pk>/<slug:slug>/", views.ArticleView.as_view(), name="article"),
    path("articles/<int:pk>/", views.ArticleView.as_view(), name="article-short"),
    path("a/<slug:slug>/", views.article_by_old_slug, name="article-old-slug"),
    path("sources/<slug:slug>/", views.SourceView.as_view(), name="source"),
    path("actors/<slug:slug>/", views.ActorView.as_view(), name="actor"),
    # Taking things away: exports, citations, feeds (archive/output_views.py, archive/feeds.py)
    path("search/export.<str:format>", output_views.export_search, name="search-export"),
    path("articles/<int:pk>/cite.<str:format>", output_views.cite_article, name="cite-article"),
    path("feeds/search/", feeds.SearchFeed(), name="search-feed"),
    path("feeds/actors/<slug:slug>/", feeds.ActorFeed(), name="actor-feed"),
    path("feeds/sources/<slug:slug>/", feeds.SourceFeed(), name="source-feed"),
]
