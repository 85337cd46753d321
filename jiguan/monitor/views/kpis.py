"""Management-portal pages: kpis."""

manage_urlpatterns = []
