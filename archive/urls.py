from django.urls import path

from archive import views

app_name = "archive"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("search/", views.search_view, name="search"),
    path("search/help/", views.SearchHelpView.as_view(), name="search-help"),
    path("articles/<int:pk>/<slug:slug>/", views.ArticleView.as_view(), name="article"),
    path("articles/<int:pk>/", views.ArticleView.as_view(), name="article-short"),
    path("a/<slug:slug>/", views.article_by_old_slug, name="article-old-slug"),
    path("sources/<slug:slug>/", views.SourceView.as_view(), name="source"),
    path("actors/<slug:slug>/", views.ActorView.as_view(), name="actor"),
]
