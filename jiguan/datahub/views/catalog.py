"""Management-portal pages: catalog."""

manage_urlpatterns = []
