"""Management-portal pages: screen."""

manage_urlpatterns = []
screen_urlpatterns = []
