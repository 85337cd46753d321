"""Management-portal pages: runs."""

manage_urlpatterns = []
