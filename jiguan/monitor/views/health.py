"""Management-portal pages: health."""

manage_urlpatterns = []
