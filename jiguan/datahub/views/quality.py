"""Management-portal pages: quality."""

manage_urlpatterns = []
