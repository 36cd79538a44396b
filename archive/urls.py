from django.contrib.auth import views as auth_views
from django.urls import path

from archive import browse_views, feeds, output_views, saved_views, views

app_name = "archive"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("search/", views.search_view, name="search"),
    path("search/help/", views.SearchHelpView.as_view(), name="search-help"),
    path("search/kwic/", views.kwic_view, name="kwic"),
    path("search/kwic.csv", views.kwic_csv, name="kwic-csv"),
    path("articles/<int:pk>/<slug:slug>/", views.ArticleView.as_view(), name="article"),
    path("articles/<int:pk>/", views.ArticleView.as_view(), name="article-short"),
    path("a/<slug:slug>/", views.article_by_old_slug, name="article-old-slug"),
    path("sources/", browse_views.source_directory, name="sources"),
    path("sources/<slug:slug>/", browse_views.SourceView.as_view(), name="source"),
    path("actors/", browse_views.actor_directory, name="actors"),
    path("actors/<slug:slug>/", browse_views.ActorView.as_view(), name="actor"),
    path("archive/", browse_views.ArchiveIndexView.as_view(), name="archive-index"),
    path("archive/undated/", browse_views.undated_view, name="undated"),
    path("archive/<int:year>/", browse_views.year_view, name="year"),
    path("archive/<int:year>/<int:month>/", browse_views.month_view, name="month"),
    path("archive/<int:year>/<int:month>/<int:day>/", browse_views.day_view, name="day"),
    path("compare/", browse_views.compare_view, name="compare"),
    # Taking things away: exports, citations, feeds (archive/output_views.py, archive/feeds.py)
    path("search/export.<str:format>", output_views.export_search, name="search-export"),
    path("articles/<int:pk>/cite.<str:format>", output_views.cite_article, name="cite-article"),
    path("feeds/search/", feeds.SearchFeed(), name="search-feed"),
    path("feeds/actors/<slug:slug>/", feeds.ActorFeed(), name="actor-feed"),
    path("feeds/sources/<slug:slug>/", feeds.SourceFeed(), name="source-feed"),
    # Readers' saved searches and alerts (archive/saved_views.py, archive/alerts.py)
    path("searches/", saved_views.saved_searches, name="saved-searches"),
    path("searches/<int:pk>/", saved_views.change_saved_search, name="change-saved-search"),
    path("feeds/saved/<str:token>/", saved_views.SavedSearchFeed(), name="saved-search-feed"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]
