"""Management-portal pages: alerts."""

manage_urlpatterns = []
