"""Management-portal pages: reporting."""

manage_urlpatterns = []
