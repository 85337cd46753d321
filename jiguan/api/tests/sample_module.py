"""A business module's API router, as a module would declare it (``ModuleSpec.api_router``)."""

from ninja import Router, Schema

router = Router()


class Hello(Schema):
    username: str


@router.get("/hello", response=Hello)
def hello(request):
    return {"username": request.auth.username}
