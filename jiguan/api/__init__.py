"""REST API /api/v1/ (django-ninja): the kernel's endpoints plus every module's router from the registry."""
