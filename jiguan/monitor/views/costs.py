"""Management-portal pages: costs."""

manage_urlpatterns = []
